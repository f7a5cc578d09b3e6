package lessondata

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/datasets"
)

// TestEncodeCIFARRoundTrip: EncodeCIFAR is the inverse of ParseCIFAR.
func TestEncodeCIFARRoundTrip(t *testing.T) {
	rec := make([]byte, 3*datasets.CIFARRecordSize)
	for i := range rec {
		rec[i] = byte(i * 7)
	}
	for i := 0; i < 3; i++ {
		rec[i*datasets.CIFARRecordSize] = byte(i + 4) // labels 0..9
	}
	im, err := datasets.ParseCIFAR(bytes.NewReader(rec), "test", int64(len(rec)))
	if err != nil {
		t.Fatal(err)
	}
	if got := EncodeCIFAR(im); !bytes.Equal(got, rec) {
		t.Error("EncodeCIFAR(ParseCIFAR(x)) != x")
	}
	if got := EncodeCIFAR(im.Head(2)); !bytes.Equal(got, rec[:2*datasets.CIFARRecordSize]) {
		t.Error("the first two records differ")
	}
}

// TestLoad prepares the site's data from the lessons' data, when it is on
// this machine (../shared/data here and in CI).
func TestLoad(t *testing.T) {
	for _, name := range []string{datasets.WeatherFile, datasets.CIFARSubsetTrain} {
		if _, err := datasets.Find(name, ""); err != nil {
			var nf *datasets.NotFoundError
			if errors.As(err, &nf) {
				t.Skipf("no lesson data here: %v", err)
			}
		}
	}
	files, err := Load("", 50, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{Weather: 0, Penguins: 0, CIFARTrain: 50, CIFARTest: 20}
	for _, f := range files {
		n, ok := want[f.Name]
		if !ok || f.Images != n || (n > 0 && len(f.Data) != n*datasets.CIFARRecordSize) || len(f.Data) == 0 {
			t.Errorf("%s: %d images, %d bytes", f.Name, f.Images, len(f.Data))
		}
		delete(want, f.Name)
	}
	if len(want) > 0 {
		t.Errorf("missing %v", want)
	}
	if _, err := Load("", 0, 20); err == nil {
		t.Error("0 training images accepted")
	}
}

// TestLoadWantsFolder: a file given as the data folder is an error that
// says a folder is expected and what the file is.
func TestLoadWantsFolder(t *testing.T) {
	dir := t.TempDir()
	weather := filepath.Join(dir, "weather.csv")
	cifar := filepath.Join(dir, "train.bin")
	other := filepath.Join(dir, "notes.txt")
	for p, b := range map[string][]byte{
		weather: []byte("DATE,MONTH,BASEL_cloud_cover\n20000101,1,8\n"),
		cifar:   make([]byte, 2*datasets.CIFARRecordSize),
		other:   []byte("hello\n"),
	} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, what := range map[string]string{weather: "is the weather CSV", cifar: "is a CIFAR-10 file (2 images)", other: "is a file", os.DevNull: "is a device or a pipe"} {
		_, err := Load(p, 10, 10)
		if err == nil || !strings.Contains(err.Error(), what) || !strings.Contains(err.Error(), "a folder is expected") {
			t.Errorf("Load(%s): %v; want that it %s and a folder is expected", filepath.Base(p), err, what)
		}
	}
	if _, err := Load(filepath.Join(dir, "none"), 10, 10); err == nil || !strings.Contains(err.Error(), "the data folder") {
		t.Errorf("Load(a missing path): %v", err)
	}
}
