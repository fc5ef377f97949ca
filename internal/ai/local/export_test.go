package local

// ModelFile exposes the embedded model file to the package's tests.
func ModelFile() []byte { return modelFile }
