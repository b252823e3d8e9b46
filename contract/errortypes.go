package contract

// Application error types of an Update validator's rejection, so a client
// tells "bad request" from "not now" (the operator client maps them to its
// error kinds, and each surface maps those to its answers).
const (
	// InvalidErrorType: the request can never succeed on this train (an
	// unknown repo, a malformed signature file name).
	InvalidErrorType = "Invalid"
	// ConflictErrorType: the request does not fit the train's state now
	// (already paused, the build is not blocked, the train has finished).
	ConflictErrorType = "Conflict"
)
