package runner

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// ValidateReady checks a --ready URL before anything runs.
func ValidateReady(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q: %w", raw, err)
	}
	switch u.Scheme {
	case "tcp", "http":
		if u.Host == "" || u.Port() == "" {
			return fmt.Errorf("%q: want %s://HOST:PORT", raw, u.Scheme)
		}
	case "file":
		if u.Path == "" {
			return fmt.Errorf("%q: want file:///PATH", raw)
		}
	default:
		return fmt.Errorf("%q: scheme must be tcp, http or file", raw)
	}
	return nil
}

// waitReady polls the readiness URL until it answers, the timeout passes,
// or ctx is cancelled.
func waitReady(ctx context.Context, raw string, timeout time.Duration) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := probe(u)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %v", raw, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// probe checks u once. HTTP is spoken by hand (one request line, one
// status line): net/http would add megabytes to a binary that only ever
// needs to see "HTTP/1.x 2xx".
func probe(u *url.URL) error {
	switch u.Scheme {
	case "file":
		_, err := os.Stat(u.Path)
		return err
	case "tcp":
		conn, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			return err
		}
		return conn.Close()
	case "http":
		return probeHTTP(u)
	}
	return fmt.Errorf("unsupported scheme %q", u.Scheme)
}

func probeHTTP(u *url.URL) error {
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	path := u.RequestURI()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, u.Host); err != nil {
		return err
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	f := strings.Fields(status)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return fmt.Errorf("not an HTTP answer: %q", strings.TrimSpace(status))
	}
	if code, err := strconv.Atoi(f[1]); err != nil || code < 200 || code > 299 {
		return fmt.Errorf("HTTP status %s", f[1])
	}
	return nil
}
