package ghsim

// MaxReleaseAssets is how many assets one release can hold. GitHub does not
// document it; users report uploads refused at 1,000 (community discussion
// 165616; projects that continue in a second release "after GitHub reached the
// 1,000-assets-per-release limit"). The simulator refuses the 1,001st upload.
const MaxReleaseAssets = 1000

// msgTooManyAssets is the simulator's answer past MaxReleaseAssets (GitHub's
// own wording is not documented).
const msgTooManyAssets = "Release has reached the maximum number of assets (1000)"
