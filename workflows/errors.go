package workflows

// Application error types (temporal.ApplicationError.Type) the workflows
// end with. The strings are part of recorded histories: never change one.
const (
	// InvalidTrainErrorType: the train's graph or --only selection is
	// unusable; the release fails at once. Not retried.
	InvalidTrainErrorType = "InvalidTrain"
	// BadStateErrorType: the reconciler's state in its schedule's memo does
	// not decode. Not retried.
	BadStateErrorType = "BadState"
)
