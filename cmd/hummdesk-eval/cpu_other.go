//go:build !unix

package main

import "time"

func processCPU() (time.Duration, bool) { return 0, false }

func loadAverage() string { return "" }
