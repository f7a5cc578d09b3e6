package datasets

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zeros is an endless input, as /dev/zero is.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// sparse makes a file of size bytes that takes no disk space.
func sparse(t *testing.T, name string, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, size); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	return p
}

// A sparse 30 GB file given as CIFAR data is refused from its size alone,
// before a byte is read (a buffer sized from the file would exhaust memory),
// whether loaded as a file or as the training set.
func TestCIFARRefusesHugeFileBeforeReading(t *testing.T) {
	p := sparse(t, "data_batch_1.bin", 10_000_000*CIFARRecordSize) // 30.7 GB, whole records
	_, err := LoadCIFARFiles(p)
	wantErr(t, err, p, "30730000000 bytes (10000000 records)", "CIFAR-10 has 60000 images in all")
	_, err = CIFARTrain(p)
	wantErr(t, err, "CIFAR-10 has 60000 images in all")
	// Files that are each small enough count together.
	q := sparse(t, "data_batch_2.bin", 50_000*CIFARRecordSize)
	_, err = LoadCIFARFiles(q, q)
	wantErr(t, err, "100000 records")
}

// Endless input (`--data /dev/zero`) cannot grow without bound: a device is
// refused by the file loader; a stream of zeros (which are valid records,
// label 0) is cut at CIFAR-10's 60,000 images.
func TestCIFARBoundedOnEndlessInput(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err == nil {
		_, err := LoadCIFARFiles(os.DevNull)
		wantErr(t, err, "is a device, not a file", "CIFAR-10 binary file (.bin) was expected")
	}
	// The real cap takes 184 MB of records (and their doubling growth):
	// a lower one checks the same code.
	maxRecords = 1000
	defer func() { maxRecords = CIFARMaxRecords }()
	_, err := ParseCIFAR(zeros{}, "stdin", -1)
	wantErr(t, err, "stdin goes on past record 1000", "CIFAR-10 has 1000 images in all", "not a CIFAR-10 binary file")
}

// A folder where a file is expected says what was expected.
func TestCIFARFolderWhereFileExpected(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadCIFARFiles(dir)
	wantErr(t, err, dir+" is a folder, but a CIFAR-10 binary file (.bin) was expected")
}

// A folder where the PNG's file name is expected says so.
func TestWritePNGFolder(t *testing.T) {
	dir := t.TempDir()
	err := WritePNG(dir, GridImage(&Images{N: 1, H: 32, W: 32, C: 3, Pixels: make([]uint8, 3072), Labels: []uint8{0}}, []int{0}, 1, nil, nil))
	wantErr(t, err, dir+" is a folder, but a file name for the PNG was expected")
}

// The weather loaders read at most WeatherMaxBytes: a sparse file is refused
// from its size, a device is refused, an endless stream is cut.
func TestWeatherBoundedInput(t *testing.T) {
	p := sparse(t, WeatherFile, 30<<30)
	_, err := LoadWeather(p)
	wantErr(t, err, "32212254720 bytes, more than the 67108864 the weather loader reads", "not the weather CSV?")
	if _, err := os.Stat(os.DevNull); err == nil {
		_, err = LoadWeather(os.DevNull)
		wantErr(t, err, "is a device, not a file", "the weather CSV ("+WeatherFile+") or a folder holding it was expected")
	}
	_, err = ParseWeather(io.MultiReader(strings.NewReader("DATE,MONTH,X\n"), zeros{}), "stdin")
	wantErr(t, err, "stdin has more bytes than the 67108864 the weather loader reads")
	// A file of exactly the cap is read (and fails later, on its content).
	exact := io.MultiReader(strings.NewReader("DATE,MONTH\n"), io.LimitReader(zeros{}, WeatherMaxBytes-11))
	_, err = ParseWeather(exact, "exact")
	if err == nil || err.Error() == weatherTooLarge("exact", -1).Error() {
		t.Errorf("a file of exactly WeatherMaxBytes: %v, want a content error", err)
	}
}

// A folder given as the weather data is searched for the CSV.
func TestLoadWeatherFolder(t *testing.T) {
	p, err := Find(WeatherFile, "")
	if err != nil {
		t.Skipf("no weather CSV here: %v", err)
	}
	w, err := LoadWeather(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if w.Path != p {
		t.Errorf("LoadWeather(%s) read %s, want %s", filepath.Dir(p), w.Path, p)
	}
}
