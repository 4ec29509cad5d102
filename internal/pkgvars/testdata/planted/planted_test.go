package planted

// A test that sets a hook is a write too.
func setHook() { testHook = 3 }
