package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"nnlab/datasets"
)

// Site data files, as the browser lab fetches them.
const (
	siteWeather    = "weather_prediction_dataset_light.csv"
	siteCIFARTrain = "cifar10_train.bin"
	siteCIFARTest  = "cifar10_test.bin"
)

// data copies the lessons' data into a folder for the site: the weather CSV
// as it is, and CIFAR-10 in the official binary record format, cut to at most
// --cifar-train / --cifar-test images (each file stays under the 25 MiB of an
// edge static asset).
func data(args []string) error {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	out := fs.String("out", "dist/data", "folder to write the data files to")
	src := fs.String("data", "", "data file or folder (default: $NNLAB_DATA, cache, ../shared/data, download)")
	ntr := fs.Int("cifar-train", 5000, "training images to include")
	nte := fs.Int("cifar-test", 1000, "test images to include")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	wp, err := datasets.WeatherPath(*src)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(wp)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, siteWeather), b, 0o644); err != nil {
		return err
	}
	tr, err := datasets.CIFARTrain(*src)
	if err != nil {
		return err
	}
	te, err := datasets.CIFARTest(*src)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		im   *datasets.Images
		n    int
	}{{siteCIFARTrain, tr, *ntr}, {siteCIFARTest, te, *nte}} {
		im := f.im.Head(f.n)
		if err := os.WriteFile(filepath.Join(*out, f.name), encodeCIFAR(im), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "nnlab data: %s: %d images\n", f.name, im.N)
	}
	return nil
}

// encodeCIFAR writes images back in the official record format: a label
// byte, then the R, G and B planes.
func encodeCIFAR(im *datasets.Images) []byte {
	var b bytes.Buffer
	plane := im.H * im.W
	rec := make([]byte, 1+plane*im.C)
	for i := 0; i < im.N; i++ {
		rec[0] = im.Labels[i]
		px := im.Pixels[i*plane*im.C : (i+1)*plane*im.C]
		for p := 0; p < plane; p++ {
			for c := 0; c < im.C; c++ {
				rec[1+c*plane+p] = px[p*im.C+c]
			}
		}
		b.Write(rec)
	}
	return b.Bytes()
}
