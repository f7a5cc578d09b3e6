package datasets

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// CIFARClasses are the CIFAR-10 class names in label order.
var CIFARClasses = [10]string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// ClassName returns CIFARClasses[label], or "class N" for a label outside 0..9.
func ClassName(label int) string {
	if label >= 0 && label < len(CIFARClasses) {
		return CIFARClasses[label]
	}
	return fmt.Sprintf("class %d", label)
}

// CIFAR-10 binary record layout: 1 label byte, then 1,024 red, 1,024 green
// and 1,024 blue bytes, each plane row-major 32x32.
const (
	CIFARRecordSize = 1 + cifarPixels
	cifarSide       = 32
	cifarPlane      = cifarSide * cifarSide
	cifarPixels     = 3 * cifarPlane
)

// File names of the full set (inside cifar-10-batches-bin/) and of the subset.
var (
	CIFARTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	CIFARTestFiles  = []string{"test_batch.bin"}
)

// CIFARMaxRecords is the most records a CIFAR-10 file (or the set of files
// read together) can hold: the whole dataset, 50,000 training and 10,000
// test images. Loaders refuse more before reading (a sparse 30 GB file, or
// /dev/zero, would otherwise be read until memory runs out).
const CIFARMaxRecords = 60000

// maxRecords is CIFARMaxRecords; tests lower it to keep an endless input cheap.
var maxRecords = CIFARMaxRecords

const (
	CIFARSubsetTrain = "train_4000.bin"
	CIFARSubsetTest  = "test_1000.bin"
)

// Images is a batch of images with labels, laid out like Keras'
// cifar10.load_data(): Pixels holds N images of H rows of W pixels of C
// channels (channels-last, "NHWC"), so channel c of pixel (y, x) of image i
// is Pixels[((i*H+y)*W+x)*C+c].
type Images struct {
	N, H, W, C int
	Pixels     []uint8
	Labels     []uint8
}

// ParseCIFAR reads CIFAR-10 binary records from r and converts the planar
// RGB of each record to channels-last. name is used in messages; size is the
// length of the input in bytes, or -1 if unknown (a known size lets a
// truncated file be reported before anything is read).
//
// Besides truncation, bad labels and empty input, it recognises the usual
// wrong files: the gzip or tar archive itself, the Python-pickle version of
// CIFAR-10 (data_batch_1 without .bin) and an HTML page saved instead of a
// download, and says which file to use instead.
func ParseCIFAR(r io.Reader, name string, size int64) (*Images, error) {
	im := &Images{H: cifarSide, W: cifarSide, C: 3}
	if err := im.appendCIFAR(r, name, size); err != nil {
		return nil, err
	}
	return im, nil
}

// appendCIFAR appends the records of r to im.
func (im *Images) appendCIFAR(r io.Reader, name string, size int64) error {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(512)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return fmt.Errorf("datasets: reading %s: %w", name, err)
		}
		return fmt.Errorf("datasets: %s is empty (0 bytes): not a CIFAR-10 binary file", name)
	}
	if msg := sniffNotCIFAR(head); msg != "" {
		return fmt.Errorf("datasets: %s %s", name, msg)
	}
	if size >= 0 && size%CIFARRecordSize != 0 {
		return cifarSizeError(name, size)
	}
	if size > int64(CIFARMaxRecords-im.N)*CIFARRecordSize {
		return cifarTooLarge(name, size)
	}
	if size > 0 {
		n := int(size / CIFARRecordSize)
		im.Pixels = growCap(im.Pixels, n*cifarPixels)
		im.Labels = growCap(im.Labels, n)
	}
	rec := make([]byte, CIFARRecordSize)
	for nrec := 0; ; nrec++ {
		k, err := io.ReadFull(br, rec)
		switch {
		case err == io.EOF:
			if nrec == 0 {
				return fmt.Errorf("datasets: %s is empty (0 bytes): not a CIFAR-10 binary file", name)
			}
			return nil
		case err == io.ErrUnexpectedEOF:
			return cifarSizeError(name, int64(nrec)*CIFARRecordSize+int64(k))
		case err != nil:
			return fmt.Errorf("datasets: reading %s record %d: %w", name, nrec+1, err)
		}
		if im.N >= maxRecords {
			return fmt.Errorf("datasets: %s goes on past record %d: CIFAR-10 has %d images in all, so this is not a CIFAR-10 binary file", name, nrec, maxRecords)
		}
		if rec[0] > 9 {
			return fmt.Errorf("datasets: %s record %d (byte offset %d): label %d is not a CIFAR-10 class (0..9)",
				name, nrec+1, int64(nrec)*CIFARRecordSize, rec[0])
		}
		im.Labels = append(im.Labels, rec[0])
		// Planar R, G, B -> interleaved RGB (HWC).
		base := len(im.Pixels)
		im.Pixels = append(im.Pixels, make([]uint8, cifarPixels)...)
		px := im.Pixels[base:]
		for p := 0; p < cifarPlane; p++ {
			px[3*p] = rec[1+p]
			px[3*p+1] = rec[1+cifarPlane+p]
			px[3*p+2] = rec[1+2*cifarPlane+p]
		}
		im.N++
	}
}

// growCap returns s with room for at least n more elements.
func growCap[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}

func cifarSizeError(name string, size int64) error {
	msg := fmt.Sprintf("datasets: %s: %d bytes is not a multiple of the %d-byte record (%d whole records, %d bytes left over): truncated or not a CIFAR-10 binary file",
		name, size, CIFARRecordSize, size/CIFARRecordSize, size%CIFARRecordSize)
	if size%3074 == 0 {
		msg += " (it is a multiple of 3074: CIFAR-100, with 2 label bytes, is not supported)"
	}
	return errors.New(msg)
}

func cifarTooLarge(name string, size int64) error {
	return fmt.Errorf("datasets: %s has %d bytes (%d records), but CIFAR-10 has %d images in all (%d bytes): not a CIFAR-10 binary file",
		name, size, size/CIFARRecordSize, CIFARMaxRecords, CIFARMaxRecords*CIFARRecordSize)
}

// sniffNotCIFAR recognises well-known wrong inputs from their first bytes.
// A CIFAR-10 record starts with a label 0..9, so none of these magic
// numbers can start a valid file.
func sniffNotCIFAR(head []byte) string {
	if head[0] <= 9 {
		return ""
	}
	use := fmt.Sprintf("use the binary files data_batch_1.bin ... data_batch_5.bin and test_batch.bin from %s (folder %s/)", CIFARURL, CIFARDir)
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return "is gzip-compressed (the cifar-10-binary.tar.gz archive itself?), not a CIFAR-10 binary file: extract it and " + use
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "is a tar archive, not a CIFAR-10 binary file: extract it and " + use
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return "is a Python pickle (the CIFAR-10 python version, e.g. data_batch_1 from cifar-10-python.tar.gz), not the binary version: " + use
	case head[0] == '<' || strings.HasPrefix(strings.ToLower(string(head[:min(len(head), 16)])), "<!doctype"):
		return "looks like an HTML/XML page (a failed download?), not a CIFAR-10 binary file: " + use
	}
	return ""
}

// LoadCIFARFiles reads CIFAR-10 binary files and concatenates them in order.
func LoadCIFARFiles(paths ...string) (*Images, error) {
	if len(paths) == 0 {
		return nil, errors.New("datasets: LoadCIFARFiles: no files given")
	}
	im := &Images{H: cifarSide, W: cifarSide, C: 3}
	var total int64
	sizes := make([]int64, len(paths))
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("datasets: %s is a folder, but a CIFAR-10 binary file (.bin) was expected here", p)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("datasets: %s is %s, not a file: a CIFAR-10 binary file (.bin) was expected", p, fileKind(st.Mode()))
		}
		sizes[i] = st.Size()
		if total += st.Size(); total > CIFARMaxRecords*CIFARRecordSize {
			return nil, cifarTooLarge(strings.Join(paths[:i+1], " + "), total)
		}
	}
	n := int(total / CIFARRecordSize)
	im.Pixels = make([]uint8, 0, n*cifarPixels)
	im.Labels = make([]uint8, 0, n)
	for i, p := range paths {
		if err := loadCIFARFile(im, p, sizes[i]); err != nil {
			return nil, err
		}
	}
	return im, nil
}

func loadCIFARFile(im *Images, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return im.appendCIFAR(f, p, size)
}

// CIFARTrain loads the CIFAR-10 training images: the full set's
// data_batch_1.bin .. data_batch_5.bin (50,000 images) if [Find] finds them,
// else the subset train_4000.bin (4,000 images); if both are found, the one
// from the higher-priority location wins (see [Find]), the full set on a tie.
// If neither is found and downloads are allowed, cifar-10-binary.tar.gz is
// downloaded into [CacheDir], checked (MD5) and its .bin files extracted.
// An explicit path that is a file is loaded as is.
func CIFARTrain(explicit string) (*Images, error) {
	return loadCIFARSet(explicit, CIFARTrainFiles, CIFARSubsetTrain)
}

// CIFARTest is [CIFARTrain] for the test images: test_batch.bin (10,000
// images) or the subset test_1000.bin (1,000 images).
func CIFARTest(explicit string) (*Images, error) {
	return loadCIFARSet(explicit, CIFARTestFiles, CIFARSubsetTest)
}

func loadCIFARSet(explicit string, full []string, subset string) (*Images, error) {
	if explicit != "" {
		if st, err := os.Stat(explicit); err == nil && !st.IsDir() {
			return LoadCIFARFiles(explicit)
		}
	}
	for attempt := 0; ; attempt++ {
		fp, frank, ferr := find(full[0], explicit)
		sp, srank, serr := find(subset, explicit)
		var nf *NotFoundError
		for _, err := range []error{ferr, serr} {
			if err != nil && !errors.As(err, &nf) {
				return nil, err // e.g. the explicit path does not exist
			}
		}
		if ferr == nil && (serr != nil || frank <= srank) {
			dir := filepath.Dir(fp)
			paths := make([]string, len(full))
			for i, n := range full {
				paths[i] = filepath.Join(dir, n)
				if _, err := os.Stat(paths[i]); err != nil {
					return nil, fmt.Errorf("datasets: %s has %s but not %s: the full CIFAR-10 set is incomplete (extract %s again)",
						dir, full[0], n, CIFARURL)
				}
			}
			return LoadCIFARFiles(paths...)
		}
		if serr == nil {
			return LoadCIFARFiles(sp)
		}
		if attempt > 0 {
			return nil, serr
		}
		// Neither: download the full set, then look again.
		if Offline() {
			return nil, fmt.Errorf("%w\n(%s=1, so %s was not downloaded)", serr, EnvOffline, CIFARURL)
		}
		cache, err := CacheDir()
		if err != nil {
			return nil, fmt.Errorf("%w\n(cannot download: %v)", serr, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		err = fetchCIFAR(ctx, CIFARURL, MD5(CIFARMD5), cache)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%v\n%w", err, serr)
		}
	}
}

// fetchCIFAR downloads the CIFAR-10 binary archive from url into cache,
// verifies it, extracts its .bin files into cache/cifar-10-batches-bin and
// deletes the archive.
func fetchCIFAR(ctx context.Context, url string, sum Checksum, cache string) error {
	archive := filepath.Join(cache, "cifar-10-binary.tar.gz")
	if err := Fetch(ctx, url, archive, sum); err != nil {
		return err
	}
	defer os.Remove(archive)
	return ExtractCIFARArchive(archive, filepath.Join(cache, CIFARDir))
}

// ExtractCIFARArchive extracts the .bin files (and batches.meta.txt) of a
// cifar-10-binary.tar.gz archive into dir, flattening their folders. Each
// file is written to a temporary name first and renamed when complete.
func ExtractCIFARArchive(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("datasets: %s is not a gzip file (%v): expected %s", archive, err, path.Base(CIFARURL))
	}
	defer zr.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	tr := tar.NewReader(zr)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("datasets: reading %s: %w", archive, err)
		}
		base := path.Base(h.Name) // never trust folders in an archive
		if h.Typeflag != tar.TypeReg || !(isCIFARName(base) || base == "batches.meta.txt") {
			continue
		}
		if err := writeAtomic(filepath.Join(dir, base), tr); err != nil {
			return fmt.Errorf("datasets: extracting %s from %s: %w", h.Name, archive, err)
		}
		if isCIFARName(base) {
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("datasets: %s holds no .bin files: not %s", archive, path.Base(CIFARURL))
	}
	return nil
}

// writeAtomic copies r to dst through a temporary file in dst's folder.
func writeAtomic(dst string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Head returns the first n images (the lesson's train_images[:n]); n is
// clamped to [0, N]. Like a numpy slice, the result shares memory with im.
func (im *Images) Head(n int) *Images {
	n = min(max(n, 0), im.N)
	size := im.H * im.W * im.C
	return &Images{N: n, H: im.H, W: im.W, C: im.C,
		Pixels: im.Pixels[: n*size : n*size], Labels: im.Labels[:n:n]}
}

// Scaled returns the pixels divided by 255 (the lesson's train_images / 255.0),
// in the same channels-last order.
func (im *Images) Scaled() []float32 {
	out := make([]float32, len(im.Pixels))
	for i, p := range im.Pixels {
		out[i] = float32(p) / 255
	}
	return out
}

// Image returns image i for display (C = 3: RGB, C = 1: grey). It panics if
// i is out of range.
func (im *Images) Image(i int) image.Image {
	if i < 0 || i >= im.N {
		panic(fmt.Sprintf("datasets: image %d out of range [0, %d)", i, im.N))
	}
	size := im.H * im.W * im.C
	px := im.Pixels[i*size : (i+1)*size]
	out := image.NewRGBA(image.Rect(0, 0, im.W, im.H))
	for p := 0; p < im.H*im.W; p++ {
		c := px[p*im.C : (p+1)*im.C]
		var rgb color.RGBA
		if im.C >= 3 {
			rgb = color.RGBA{c[0], c[1], c[2], 255}
		} else {
			rgb = color.RGBA{c[0], c[0], c[0], 255}
		}
		out.SetRGBA(p%im.W, p/im.W, rgb)
	}
	return out
}
