// Package lessondata prepares the lessons' data files as the browser lab
// fetches them from data/: the weather and penguins CSVs as they are, and CIFAR-10 in the
// official binary record format cut to the site's sizes (each file stays
// under the 25 MiB of an edge static asset). `nnlab data` writes them to a
// folder; `nnlab serve` serves them from memory.
package lessondata

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"nnlab/datasets"
)

// The data files of the site, under data/.
const (
	Weather    = "weather_prediction_dataset_light.csv"
	Penguins   = "penguins.csv"
	CIFARTrain = "cifar10_train.bin"
	CIFARTest  = "cifar10_test.bin"
)

// Default sizes of the site's CIFAR-10 files, in images.
const (
	DefaultTrain = 5000
	DefaultTest  = 1000
)

// File is one data file of the site.
type File struct {
	Name   string // base name, e.g. Weather
	Data   []byte
	Images int // CIFAR images in the file; 0 for the CSV
}

// Load finds the lessons' data with package datasets (src, the data
// folder, then $NNLAB_DATA, the cache, ../shared/data, a download) and
// returns the site's files, CIFAR-10 cut to at most trainN and testN images.
// src must be a folder, as the site needs both data sets; a file is an
// error that names what the file is (the weather CSV, a CIFAR-10 file).
func Load(src string, trainN, testN int) ([]File, error) {
	if err := checkFolder(src); err != nil {
		return nil, err
	}
	wp, err := datasets.WeatherPath(src)
	if err != nil {
		return nil, err
	}
	csv, err := os.ReadFile(wp)
	if err != nil {
		return nil, err
	}
	files := []File{{Name: Weather, Data: csv}}
	pp, err := datasets.PenguinsPath(src)
	if err != nil {
		return nil, err
	}
	pcsv, err := os.ReadFile(pp)
	if err != nil {
		return nil, err
	}
	files = append(files, File{Name: Penguins, Data: pcsv})
	tr, err := datasets.CIFARTrain(src)
	if err != nil {
		return nil, err
	}
	te, err := datasets.CIFARTest(src)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		im   *datasets.Images
		n    int
	}{{CIFARTrain, tr, trainN}, {CIFARTest, te, testN}} {
		if f.n < 1 {
			return nil, fmt.Errorf("lessondata: %s: %d images asked for, want at least 1", f.name, f.n)
		}
		im := f.im.Head(f.n)
		files = append(files, File{Name: f.name, Data: EncodeCIFAR(im), Images: im.N})
	}
	return files, nil
}

// EncodeCIFAR writes images back in the official record format: a label
// byte, then the R, G and B planes (the inverse of datasets.ParseCIFAR).
func EncodeCIFAR(im *datasets.Images) []byte {
	plane := im.H * im.W
	rec := 1 + plane*im.C
	b := make([]byte, im.N*rec)
	for i := 0; i < im.N; i++ {
		r := b[i*rec : (i+1)*rec]
		r[0] = im.Labels[i]
		px := im.Pixels[i*plane*im.C : (i+1)*plane*im.C]
		for p := 0; p < plane; p++ {
			for c := 0; c < im.C; c++ {
				r[1+c*plane+p] = px[p*im.C+c]
			}
		}
	}
	return b
}

// checkFolder returns an error, which names what src is, if src is a file:
// the site needs the data folder.
func checkFolder(src string) error {
	if src == "" {
		return nil
	}
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("lessondata: the data folder: %w", err)
	}
	if st.IsDir() {
		return nil
	}
	return fmt.Errorf("lessondata: %s is %s, but a folder is expected: the site needs both data sets, so give the folder that holds %s and the CIFAR-10 files (in %s/ or %s/), e.g. ../shared/data",
		src, fileKind(src, st), datasets.WeatherFile, datasets.CIFARSubsetDir, datasets.CIFARDir)
}

// fileKind names a data file by its name and first bytes: the weather CSV,
// a CIFAR-10 file, or just a file (a device or a pipe is not read).
func fileKind(p string, st os.FileInfo) string {
	if !st.Mode().IsRegular() {
		return "a device or a pipe"
	}
	size := st.Size()
	head := make([]byte, 64)
	if f, err := os.Open(p); err == nil {
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		f.Close()
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	switch {
	case filepath.Base(p) == datasets.WeatherFile || bytes.HasPrefix(head, []byte("DATE,MONTH,")):
		return "the weather CSV (a file)"
	case strings.HasSuffix(p, ".bin") && size > 0 && size%datasets.CIFARRecordSize == 0:
		return fmt.Sprintf("a CIFAR-10 file (%d images)", size/datasets.CIFARRecordSize)
	}
	return "a file"
}
