//go:build !chaos

package chaos

// long selects the long versions (make chaos, build tag chaos).
const long = false
