package datasets

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestMain makes every test hermetic: no downloads, an empty cache and no
// $NNLAB_DATA, so real data is found only in ../shared/data from the test's
// working directory (<root>/datasets).
func TestMain(m *testing.M) {
	cache, err := os.MkdirTemp("", "nnlab-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(EnvOffline, "1")
	os.Setenv(EnvCache, cache)
	os.Unsetenv(EnvData)
	code := m.Run()
	os.RemoveAll(cache)
	os.Exit(code)
}

var (
	weatherOnce sync.Once
	weatherData *Weather
	weatherErr  error
)

// realWeather loads the lesson's CSV once (found through Find).
func realWeather(t *testing.T) *Weather {
	t.Helper()
	weatherOnce.Do(func() { weatherData, weatherErr = LoadWeather("") })
	if weatherErr != nil {
		t.Fatalf("LoadWeather: %v", weatherErr)
	}
	return weatherData
}

// wantErr fails unless err is non-nil, starts with "datasets: " and
// contains every one of parts.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "datasets: ") {
		t.Errorf("error %q lacks the \"datasets: \" prefix", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}
