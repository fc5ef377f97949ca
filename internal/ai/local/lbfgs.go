package local

import "math"

// minimize runs limited-memory BFGS on a smooth convex function from x for
// at most iters iterations and leaves the result in x. f returns the value
// at x and writes the gradient into grad. Every step is a fixed sequence of
// float64 operations, so the result depends only on the inputs.
func minimize(f func(x, grad []float64) float64, x []float64, iters int) {
	const (
		memory = 8
		c1     = 1e-4
		tol    = 1e-7
	)
	n := len(x)
	g := make([]float64, n)
	fx := f(x, g)
	s := make([][]float64, 0, memory)
	y := make([][]float64, 0, memory)
	rho := make([]float64, 0, memory)
	alpha := make([]float64, memory)
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	for it := 0; it < iters; it++ {
		gnorm := math.Sqrt(dot(g, g))
		if gnorm < tol {
			return
		}
		// d = -H·g by the two-loop recursion.
		for i := range d {
			d[i] = -g[i]
		}
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], d)
			axpy(-alpha[k], y[k], d)
		}
		if k := len(s) - 1; k >= 0 {
			scale(dot(s[k], y[k])/dot(y[k], y[k]), d)
		} else {
			scale(1/gnorm, d)
		}
		for k := range s {
			beta := rho[k] * dot(y[k], d)
			axpy(alpha[k]-beta, s[k], d)
		}
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from the gradient
			s, y, rho = s[:0], y[:0], rho[:0]
			for i := range d {
				d[i] = -g[i] / gnorm
			}
			slope = dot(g, d)
		}
		// Backtracking line search (Armijo).
		step := 1.0
		var fNew float64
		for tries := 0; ; tries++ {
			for i := range x {
				xNew[i] = x[i] + float64(step*d[i])
			}
			fNew = f(xNew, gNew)
			if fNew <= fx+float64(c1*step*slope) || tries == 30 {
				break
			}
			step *= 0.5
		}
		if fx-fNew < 1e-12*math.Max(1, math.Abs(fx)) && it > 0 {
			copy(x, xNew)
			return
		}
		var sk, yk []float64
		if len(s) == memory {
			sk, yk = s[0], y[0]
			s, y, rho = s[1:], y[1:], rho[1:]
		} else {
			sk, yk = make([]float64, n), make([]float64, n)
		}
		for i := range x {
			sk[i] = xNew[i] - x[i]
			yk[i] = gNew[i] - g[i]
		}
		sy := dot(sk, yk)
		copy(x, xNew)
		copy(g, gNew)
		fx = fNew
		if sy > 1e-12 {
			s, y, rho = append(s, sk), append(y, yk), append(rho, 1/sy)
		}
	}
}

func dot(a, b []float64) float64 {
	var t float64
	for i := range a {
		t += float64(a[i] * b[i])
	}
	return t
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += float64(a * x[i])
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}
