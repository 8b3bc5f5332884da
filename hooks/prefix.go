package hooks

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

// prefixer copies what a hook writes to one stream, line by line, each
// line prefixed with the hook's name. A line is written with one write,
// under a lock shared by all hooks, so lines of hooks running at the same
// time do not mix.
type prefixer struct {
	prefix []byte
	dst    *os.File
	mu     *sync.Mutex
	r, w   *os.File
	carry  []byte
	drainQ chan chan struct{}
	done   chan struct{}
}

// maxLine bounds a line kept waiting for its newline.
const maxLine = 64 << 10

// newPrefixer starts a prefixer that writes to dst, registered for Flush.
func (s *Shell) newPrefixer(prefix string, dst *os.File) (*prefixer, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := &prefixer{prefix: []byte(prefix), dst: dst, mu: &s.outMu, r: r, w: w,
		drainQ: make(chan chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	s.prefixers[p] = true
	s.mu.Unlock()
	go func() {
		p.loop()
		s.mu.Lock()
		delete(s.prefixers, p)
		s.mu.Unlock()
	}()
	return p, nil
}

// Flush passes on the output that hooks wrote before they ended. With
// --log-prefix it goes through pipes that hookinit reads, and the last lines
// of a hook that ended as the container stopped may still be in them when
// the app has exited. Call it after Close, once no process is left: it
// closes hookinit's ends of the pipes and waits, at most d, for every line
// to be written out.
func (s *Shell) Flush(d time.Duration) {
	s.mu.Lock()
	ps := slices.Collect(maps.Keys(s.prefixers))
	s.mu.Unlock()
	for _, p := range ps {
		p.w.Close()
	}
	deadline := time.After(d)
	for _, p := range ps {
		select {
		case <-p.done:
		case <-deadline:
			s.logf("hook output still open after %v: not waiting for it", d)
			return
		}
	}
}

func (p *prefixer) loop() {
	defer close(p.done)
	defer p.r.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := p.r.Read(buf)
		if n > 0 {
			p.write(buf[:n])
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			// drain: take what is in the pipe now, without waiting.
			_ = p.r.SetReadDeadline(time.Time{})
			if rc, err := p.r.SyscallConn(); err == nil {
				_ = rc.Read(func(fd uintptr) bool {
					for {
						n, err := syscall.Read(int(fd), buf)
						if n <= 0 || err != nil {
							return true
						}
						p.write(buf[:n])
					}
				})
			}
			p.flush()
			select {
			case d := <-p.drainQ:
				close(d)
			default:
			}
		default:
			p.flush()
			return
		}
	}
}

func (p *prefixer) write(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.carry = append(p.carry, b...)
			if len(p.carry) >= maxLine {
				p.flush()
			}
			return
		}
		p.emit(append(p.carry, b[:i]...))
		p.carry = p.carry[:0]
		b = b[i+1:]
	}
}

// flush writes out a line that has no newline yet.
func (p *prefixer) flush() {
	if len(p.carry) > 0 {
		p.emit(p.carry)
		p.carry = p.carry[:0]
	}
}

func (p *prefixer) emit(line []byte) {
	out := make([]byte, 0, len(p.prefix)+len(line)+1)
	out = append(append(append(out, p.prefix...), line...), '\n')
	p.mu.Lock()
	_, _ = p.dst.Write(out)
	p.mu.Unlock()
}

// drain returns once everything written to the pipe so far has been passed
// on. It does not wait for the end of the stream: a process the hook left
// in the background may hold it open forever.
func (p *prefixer) drain() {
	d := make(chan struct{})
	select {
	case p.drainQ <- d:
	case <-p.done:
		return
	}
	_ = p.r.SetReadDeadline(time.Unix(1, 0))
	select {
	case <-d:
	case <-p.done:
	}
}
