package gpu

import (
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	d, note, err := Open("cpu")
	if err != nil || d.Name() != "pure Go (CPU)" || !strings.Contains(note, "pure Go") {
		t.Fatalf(`Open("cpu") = %v, %q, %v`, d, note, err)
	}
	if _, _, err := Open("tpu"); err == nil {
		t.Fatal(`Open("tpu") should fail`)
	}

	d, note, err = Open("auto")
	if err != nil || d == nil || note == "" {
		t.Fatalf(`Open("auto") = %v, %q, %v`, d, note, err)
	}
	t.Logf("auto: %s", note)
	d.Close()

	t.Setenv("NNLAB_DEVICE", "cpu")
	if d, _, err := Open(""); err != nil || d.Name() != "pure Go (CPU)" {
		t.Fatalf(`Open("") with NNLAB_DEVICE=cpu = %v, %v`, d, err)
	}

	w, note, err := Open("webgpu")
	if err != nil {
		t.Logf(`Open("webgpu"): %v`, err)
		return
	}
	defer w.Close()
	if !strings.Contains(note, w.Name()) {
		t.Errorf("note %q does not name %q", note, w.Name())
	}
}
