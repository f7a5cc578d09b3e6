package datasets

import (
	"bytes"
	"compress/gzip"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var (
	cifarOnce          sync.Once
	cifarTr, cifarTe   *Images
	cifarErr1, cifarE2 error
)

// subset loads the shared CIFAR-10 subset once.
func subset(t *testing.T) (train, test *Images) {
	t.Helper()
	cifarOnce.Do(func() {
		cifarTr, cifarErr1 = CIFARTrain("")
		cifarTe, cifarE2 = CIFARTest("")
	})
	if cifarErr1 != nil || cifarE2 != nil {
		t.Fatalf("CIFARTrain: %v; CIFARTest: %v", cifarErr1, cifarE2)
	}
	return cifarTr, cifarTe
}

func TestCIFARSubset(t *testing.T) {
	train, test := subset(t)
	for _, c := range []struct {
		name   string
		im     *Images
		n      int
		first  []uint8
		counts []int
		sum    int
	}{
		// numpy.fromfile(...).reshape(-1, 3073): labels[:10], bincount, pixel sum.
		{"train", train, 4000, []uint8{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}, []int{396, 366, 420, 384, 422, 393, 414, 385, 407, 413}, 1481085868},
		{"test", test, 1000, []uint8{3, 8, 8, 0, 6, 6, 1, 6, 3, 1}, []int{103, 89, 100, 103, 90, 86, 112, 102, 106, 109}, 374560331},
	} {
		im := c.im
		if im.N != c.n || im.H != 32 || im.W != 32 || im.C != 3 || len(im.Pixels) != c.n*3072 || len(im.Labels) != c.n {
			t.Fatalf("%s: N=%d shape (%d,%d,%d), %d pixels, %d labels", c.name, im.N, im.H, im.W, im.C, len(im.Pixels), len(im.Labels))
		}
		if !slices.Equal(im.Labels[:10], c.first) {
			t.Errorf("%s labels[:10] = %v", c.name, im.Labels[:10])
		}
		counts := make([]int, 10)
		for _, l := range im.Labels {
			counts[l]++ // a label > 9 would panic here: ParseCIFAR must reject it
		}
		if !slices.Equal(counts, c.counts) {
			t.Errorf("%s label counts %v", c.name, counts)
		}
		s, lo, hi := 0, 255, 0
		for _, p := range im.Pixels {
			s += int(p)
			lo, hi = min(lo, int(p)), max(hi, int(p))
		}
		if s != c.sum || lo != 0 || hi != 255 {
			t.Errorf("%s pixel sum %d range %d..%d", c.name, s, lo, hi)
		}
	}
	// Image 0 of the training set, img = planes.transpose(1, 2, 0):
	// img[0,0] = (59,62,63), img[31,31] = (123,92,72), img[5,17] = (97,63,32).
	px := func(i, y, x int) []uint8 { o := ((i*32+y)*32 + x) * 3; return train.Pixels[o : o+3] }
	if !slices.Equal(px(0, 0, 0), []uint8{59, 62, 63}) || !slices.Equal(px(0, 31, 31), []uint8{123, 92, 72}) ||
		!slices.Equal(px(0, 5, 17), []uint8{97, 63, 32}) {
		t.Errorf("train image 0 pixels %v %v %v", px(0, 0, 0), px(0, 31, 31), px(0, 5, 17))
	}
}

// TestCIFARLayoutHWC checks every pixel of the first records against the
// raw planes of the file.
func TestCIFARLayoutHWC(t *testing.T) {
	train, _ := subset(t)
	p, err := Find(CIFARSubsetTrain, "")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw := make([]byte, 3*CIFARRecordSize)
	if _, err := f.Read(raw); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rec := raw[i*CIFARRecordSize:]
		if train.Labels[i] != rec[0] {
			t.Errorf("label %d", i)
		}
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				for c := 0; c < 3; c++ {
					if got, want := train.Pixels[((i*32+y)*32+x)*3+c], rec[1+c*1024+y*32+x]; got != want {
						t.Fatalf("image %d (y %d, x %d, c %d) = %d, raw plane has %d", i, y, x, c, got, want)
					}
				}
			}
		}
		r, g, b, _ := train.Image(i).At(7, 3).RGBA()
		if uint8(r>>8) != rec[1+3*32+7] || uint8(g>>8) != rec[1+1024+3*32+7] || uint8(b>>8) != rec[1+2048+3*32+7] {
			t.Errorf("Image(%d).At(7,3) does not match the planes", i)
		}
	}
}

func TestImagesHeadScaled(t *testing.T) {
	train, _ := subset(t)
	h := train.Head(100)
	if h.N != 100 || len(h.Labels) != 100 || len(h.Pixels) != 100*3072 || h.Labels[99] != train.Labels[99] {
		t.Errorf("Head(100): N=%d %d labels %d pixels", h.N, len(h.Labels), len(h.Pixels))
	}
	if h := train.Head(1 << 20); h.N != 4000 {
		t.Errorf("Head(huge).N = %d, want clamped to 4000", h.N)
	}
	if h := train.Head(-3); h.N != 0 || len(h.Pixels) != 0 {
		t.Errorf("Head(-3).N = %d", h.N)
	}
	sc := train.Head(2).Scaled()
	if len(sc) != 2*3072 || sc[0] != 59.0/255 {
		t.Errorf("Scaled: len %d, [0] = %v", len(sc), sc[0])
	}
	for _, v := range sc {
		if v < 0 || v > 1 {
			t.Fatalf("scaled value %v outside [0,1]", v)
		}
	}
}

func TestGridPNG(t *testing.T) {
	train, _ := subset(t)
	path := filepath.Join(t.TempDir(), "grid.png")
	img := GridImage(train, nil, 5, nil, nil)
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := dec.Bounds()
	// "automobile" is the longest caption: 10 chars x 7 px = 70 < 96 px image.
	cellW, cellH := 96+2*gridPad, 96+13+3*gridPad
	if b.Dx() != 5*cellW || b.Dy() != 5*cellH {
		t.Errorf("grid is %dx%d, want %dx%d", b.Dx(), b.Dy(), 5*cellW, 5*cellH)
	}
	// Upscaled nearest neighbour: image 0's pixel (0,0) fills a 3x3 block.
	for _, d := range [][2]int{{0, 0}, {2, 2}} {
		r, g, bl, _ := dec.At(gridPad+d[0], gridPad+d[1]).RGBA()
		if r>>8 != 59 || g>>8 != 62 || bl>>8 != 63 {
			t.Errorf("grid pixel %v = %d,%d,%d, want 59,62,63", d, r>>8, g>>8, bl>>8)
		}
	}
	// A wrong prediction's caption is red, and a long caption widens the cells.
	g := GridImage(train, []int{0, 1, 4000}, 3, []string{"frog / frog", "cat / truck"}, []bool{false, true})
	if g.Bounds().Dx() != 3*(96+2*gridPad) {
		t.Errorf("3-column grid width %d", g.Bounds().Dx())
	}
	red := func(x0, x1 int) bool {
		for y := 96 + gridPad; y < cellH; y++ {
			for x := x0; x < x1; x++ {
				if c := g.RGBAAt(x, y); c.R > 150 && c.G < 50 {
					return true
				}
			}
		}
		return false
	}
	if red(0, cellW) || !red(cellW, 2*cellW) || !red(2*cellW, 3*cellW) {
		t.Error("captions: want black, red, red (out of range)")
	}
	wide := GridImage(train, []int{0}, 5, []string{strings.Repeat("x", 30)}, nil)
	if wide.Bounds().Dx() != 30*7+2*gridPad {
		t.Errorf("wide caption cell width %d", wide.Bounds().Dx())
	}
	if err := WritePNG(filepath.Join(t.TempDir(), "no", "such", "dir.png"), img); err == nil {
		t.Error("WritePNG into a missing folder succeeded")
	}
}

// record returns a synthetic CIFAR-10 record with label l.
func record(l byte) []byte {
	r := make([]byte, CIFARRecordSize)
	r[0] = l
	for i := 1; i < len(r); i++ {
		r[i] = byte(i * 7)
	}
	return r
}

func TestParseCIFARErrors(t *testing.T) {
	two := append(record(1), record(9)...)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(two)
	zw.Close()
	tarHead := make([]byte, 1024)
	copy(tarHead, "cifar-10-batches-bin/")
	copy(tarHead[257:], "ustar")
	pickle := append([]byte{0x80, 0x02, '}', 'q', 0}, make([]byte, 5000)...)
	for _, c := range []struct {
		name  string
		data  []byte
		size  int64
		parts []string
	}{
		{"empty", nil, -1, []string{"c.bin is empty"}},
		{"empty known size", nil, 0, []string{"c.bin is empty"}},
		{"truncated", two[:len(two)-10], -1, []string{"c.bin: 6136 bytes", "1 whole records, 3063 bytes left over", "truncated or not a CIFAR-10 binary file"}},
		{"truncated known size", two[:len(two)-10], int64(len(two) - 10), []string{"6136 bytes", "1 whole records, 3063 bytes left over"}},
		{"extra bytes", append(slices.Clone(two), 0, 0), -1, []string{"6148 bytes", "2 whole records, 2 bytes left over"}},
		{"bad label", append(slices.Clone(two), append(record(12), record(3)...)...), -1, []string{"c.bin record 3", "byte offset 6146", "label 12"}},
		{"gzip", gz.Bytes(), int64(gz.Len()), []string{"gzip", "data_batch_1.bin"}},
		{"tar", tarHead, 1024, []string{"tar archive", "test_batch.bin"}},
		{"pickle", pickle, int64(len(pickle)), []string{"Python pickle", "binary version", "data_batch_1.bin"}},
		{"html", []byte("<!DOCTYPE html><html>Not found</html>"), -1, []string{"HTML", "failed download"}},
		{"cifar-100", make([]byte, 2*3074), -1, []string{"6148 bytes", "CIFAR-100"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			im, err := ParseCIFAR(bytes.NewReader(c.data), "c.bin", c.size)
			if im != nil {
				t.Errorf("got images with the error")
			}
			wantErr(t, err, c.parts...)
		})
	}
	im, err := ParseCIFAR(bytes.NewReader(two), "two.bin", int64(len(two)))
	if err != nil || im.N != 2 || !slices.Equal(im.Labels, []uint8{1, 9}) || im.Pixels[3072+1] != two[CIFARRecordSize+1+1024] {
		t.Errorf("two records: %v %+v", err, im)
	}
}

func TestLoadCIFARFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.bin")
	os.WriteFile(a, append(record(1), record(2)...), 0o644)
	os.WriteFile(b, record(3), 0o644)
	im, err := LoadCIFARFiles(a, b)
	if err != nil || im.N != 3 || !slices.Equal(im.Labels, []uint8{1, 2, 3}) || len(im.Pixels) != 3*3072 {
		t.Fatalf("LoadCIFARFiles: %v %+v", err, im)
	}
	_, err = LoadCIFARFiles()
	wantErr(t, err, "no files")
	_, err = LoadCIFARFiles(a, filepath.Join(dir, "missing.bin"))
	wantErr(t, err, "missing.bin")
	bad := filepath.Join(dir, "bad.bin")
	os.WriteFile(bad, record(3)[:100], 0o644)
	_, err = LoadCIFARFiles(a, bad)
	wantErr(t, err, "bad.bin: 100 bytes", "0 whole records")
	// An explicit file is loaded as is.
	im, err = CIFARTest(b)
	if err != nil || im.N != 1 || im.Labels[0] != 3 {
		t.Errorf("CIFARTest(file): %v %+v", err, im)
	}
}
