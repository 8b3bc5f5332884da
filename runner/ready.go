package runner

import (
	"fmt"
	"net/url"
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
