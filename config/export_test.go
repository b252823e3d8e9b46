package config

// ReadForTest reads name through e's table guard.
func ReadForTest(e Env, name string) string { return e.get(name) }
