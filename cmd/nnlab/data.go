package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"nnlab/server/lessondata"
)

// data copies the lessons' data into a folder for the site: the weather CSV
// as it is, and CIFAR-10 in the official binary record format, cut to at most
// --cifar-train / --cifar-test images (each file stays under the 25 MiB of an
// edge static asset). See package lessondata, which `nnlab serve` shares.
func data(args []string) error {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	out := fs.String("out", "dist/data", "folder to write the data files to")
	src := fs.String("data", "", "data file or folder (default: $NNLAB_DATA, cache, ../shared/data, download)")
	ntr := fs.Int("cifar-train", lessondata.DefaultTrain, "training images to include")
	nte := fs.Int("cifar-test", lessondata.DefaultTest, "test images to include")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := lessondata.Load(*src, *ntr, *nte)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*out, f.Name), f.Data, 0o644); err != nil {
			return err
		}
		if f.Images > 0 {
			fmt.Fprintf(os.Stderr, "nnlab data: %s: %d images\n", f.Name, f.Images)
		}
	}
	return nil
}
