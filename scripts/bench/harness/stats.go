package main

import (
	"fmt"
	"math"
	"sort"
)

// sample is a set of measurements of one thing (durations in ns, or plain
// counts).
type sample []float64

func (s sample) sorted() []float64 {
	c := append([]float64(nil), s...)
	sort.Float64s(c)
	return c
}

// pct is the nearest-rank percentile (p in 0..100).
func (s sample) pct(p float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := s.sorted()
	k := int(math.Ceil(p/100*float64(len(c)))) - 1
	if k < 0 {
		k = 0
	}
	if k >= len(c) {
		k = len(c) - 1
	}
	return c[k]
}

func (s sample) median() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := s.sorted()
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

func (s sample) min() float64 { return s.pct(0) }
func (s sample) max() float64 { return s.pct(100) }

// us formats ns as microseconds, ms as milliseconds.
func us(ns float64) string {
	if math.IsNaN(ns) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f µs", ns/1e3)
}

func ms(ns float64) string {
	if math.IsNaN(ns) {
		return "n/a"
	}
	if ns < 10e6 {
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
	return fmt.Sprintf("%.1f ms", ns/1e6)
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func kib(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if v >= 1024 {
		return fmt.Sprintf("%.2f MiB", v/1024)
	}
	return fmt.Sprintf("%.0f KiB", v)
}
