package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mkfile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindOrder(t *testing.T) {
	root := t.TempDir()
	explicit := filepath.Join(root, "explicit")
	data := filepath.Join(root, "data")
	cache := filepath.Join(root, "cache")
	shared := filepath.Join(root, "shared", "data")
	wd := filepath.Join(root, "clone", "sub")
	for _, d := range []string{explicit, data, cache, shared} {
		mkfile(t, filepath.Join(d, "x.csv"), []byte(d))
	}
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd)
	t.Setenv(EnvData, data)
	t.Setenv(EnvCache, cache)

	for _, want := range []string{explicit, data, cache, shared} {
		got, err := Find("x.csv", explicit)
		if err != nil {
			t.Fatal(err)
		}
		if real, _ := filepath.EvalSymlinks(filepath.Dir(got)); real != mustEval(t, want) {
			t.Fatalf("Find = %s, want it in %s", got, want)
		}
		os.Remove(got) // next place in line
	}
	_, err := Find("x.csv", explicit)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("want *NotFoundError, got %v", err)
	}
	wantErr(t, err, "x.csv not found",
		filepath.Join(explicit, "x.csv")+" (given folder)",
		filepath.Join(data, "x.csv")+" ($NNLAB_DATA)",
		filepath.Join(cache, "x.csv")+" (download cache)",
		filepath.Join("clone", "sub", "shared", "data", "x.csv"),
		filepath.Join("clone", "shared", "data", "x.csv"),
		filepath.Join(filepath.Base(root), "shared", "data", "x.csv"),
		EnvData)

	// An explicit file is returned whatever its name; a missing explicit path is an error.
	f := filepath.Join(root, "mine.csv")
	mkfile(t, f, nil)
	if got, err := Find(WeatherFile, f); err != nil || got != f {
		t.Errorf("Find(explicit file) = %q, %v", got, err)
	}
	_, err = Find(WeatherFile, filepath.Join(root, "nope"))
	wantErr(t, err, "nope")
	if errors.As(err, &nf) {
		t.Error("a missing explicit path should not be a NotFoundError")
	}
}

func mustEval(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFindCIFARSubfoldersAndHints(t *testing.T) {
	root := t.TempDir()
	mkfile(t, filepath.Join(root, CIFARSubsetDir, "train_4000.bin"), nil)
	mkfile(t, filepath.Join(root, CIFARDir, "test_batch.bin"), nil)
	for _, n := range []string{"train_4000.bin", "test_batch.bin"} {
		if _, err := Find(n, root); err != nil {
			t.Errorf("Find(%s): %v", n, err)
		}
	}
	t.Chdir(root)
	_, err := Find(WeatherFile, "")
	wantErr(t, err, WeatherURL, "$NNLAB_DATA (not set)")
	_, err = Find("data_batch_1.bin", "")
	wantErr(t, err, CIFARURL, filepath.Join(CIFARSubsetDir, "data_batch_1.bin"), filepath.Join(CIFARDir, "data_batch_1.bin"))
	// Offline, WeatherPath says so instead of downloading.
	_, err = WeatherPath("")
	wantErr(t, err, "not found", "NNLAB_OFFLINE=1")
}

func TestFetch(t *testing.T) {
	body := []byte("DATE,MONTH\n20000101,1\n")
	sh := sha256.Sum256(body)
	good := hex.EncodeToString(sh[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/f.csv" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	dst := filepath.Join(dir, "f.csv")
	ctx := context.Background()

	if err := Fetch(ctx, srv.URL+"/f.csv", dst, SHA256(strings.ToUpper(good))); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("fetched file: %q, %v", got, err)
	}

	bad := strings.Repeat("0", 64)
	dst2 := filepath.Join(dir, "g.csv")
	err := Fetch(ctx, srv.URL+"/f.csv", dst2, SHA256(bad))
	wantErr(t, err, "sha256 mismatch", good, bad)
	m := md5.Sum(body)
	err = Fetch(ctx, srv.URL+"/f.csv", dst2, MD5(strings.Repeat("a", 32)))
	wantErr(t, err, "md5 mismatch", hex.EncodeToString(m[:]))
	err = Fetch(ctx, srv.URL+"/missing", dst2, SHA256(good))
	wantErr(t, err, "404")
	err = Fetch(ctx, srv.URL+"/f.csv", dst2, Checksum{"sha1", good})
	wantErr(t, err, `"sha1"`)
	err = Fetch(ctx, srv.URL+"/f.csv", dst2, SHA256("abc"))
	wantErr(t, err, "64 hex digits")
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"f.csv"}) {
		t.Errorf("cache holds %v after failed fetches, want only f.csv", names)
	}
}

// redirect sends every request of httpClient to srv, whatever its host.
func redirect(t *testing.T, srv *httptest.Server) {
	old := httpClient
	httpClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = "http", srv.Listener.Addr().String()
		return http.DefaultTransport.RoundTrip(r)
	})}
	t.Cleanup(func() { httpClient = old })
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestWeatherPathDownload serves the real CSV in place of Zenodo: WeatherPath
// must fetch it into the cache with the real SHA-256.
func TestWeatherPathDownload(t *testing.T) {
	src, err := Find(WeatherFile, "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.RequestURI()
		w.Write(body)
	}))
	defer srv.Close()
	redirect(t, srv)
	cache := t.TempDir()
	t.Setenv(EnvCache, cache)
	t.Setenv(EnvOffline, "")
	t.Chdir(t.TempDir()) // no shared/data above
	p, err := WeatherPath("")
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(cache, WeatherFile) || asked != "/record/5071376/files/weather_prediction_dataset_light.csv?download=1" {
		// Fatal: the removal below must only ever touch the test's own cache
		// (a shared/data folder above the temp dir is found before a download).
		t.Fatalf("WeatherPath = %s after GET %s, want the download in %s", p, asked, cache)
	}
	// A server with other content fails the checksum; nothing is left behind.
	body = []byte("DATE,MONTH\n")
	os.Remove(p)
	_, err = WeatherPath("")
	wantErr(t, err, "sha256 mismatch", WeatherSHA256, "not found")
	if _, err := os.Stat(p); err == nil {
		t.Error("bad download left in the cache")
	}
}

// cifarTarGz builds a small cifar-10-binary.tar.gz look-alike whose batches
// hold one record each, labelled 0..5 (test_batch: 5).
func cifarTarGz(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: CIFARDir + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	files := append(slices.Clone(CIFARTrainFiles), "test_batch.bin", "batches.meta.txt", "readme.html")
	for i, n := range files {
		data := record(byte(i))
		if !strings.HasSuffix(n, ".bin") {
			data = []byte("airplane\n")
		}
		if err := tw.WriteHeader(&tar.Header{Name: CIFARDir + "/" + n, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestFetchCIFARArchive(t *testing.T) {
	archive := cifarTarGz(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(archive) }))
	defer srv.Close()
	m := md5.Sum(archive)
	cache := t.TempDir()
	if err := fetchCIFAR(context.Background(), srv.URL+"/cifar-10-binary.tar.gz", MD5(hex.EncodeToString(m[:])), cache); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, CIFARDir))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"batches.meta.txt", "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
	if !slices.Equal(names, want) {
		t.Errorf("extracted %v, want %v", names, want)
	}
	if _, err := os.Stat(filepath.Join(cache, "cifar-10-binary.tar.gz")); err == nil {
		t.Error("archive left in the cache")
	}

	// The full set in the cache outranks the subset in shared/data.
	t.Setenv(EnvCache, cache)
	train, err := CIFARTrain("")
	if err != nil || train.N != 5 || !slices.Equal(train.Labels, []uint8{0, 1, 2, 3, 4}) {
		t.Fatalf("CIFARTrain from the cache: %v %+v", err, train)
	}
	test, err := CIFARTest("")
	if err != nil || test.N != 1 || test.Labels[0] != 5 {
		t.Fatalf("CIFARTest from the cache: %v %+v", err, test)
	}
	// An incomplete full set is an error, not a silent fallback.
	os.Remove(filepath.Join(cache, CIFARDir, "data_batch_4.bin"))
	_, err = CIFARTrain("")
	wantErr(t, err, "data_batch_4.bin", "incomplete")

	// A bad checksum leaves nothing; a non-archive is refused.
	cache2 := t.TempDir()
	err = fetchCIFAR(context.Background(), srv.URL+"/x", MD5(strings.Repeat("0", 32)), cache2)
	wantErr(t, err, "md5 mismatch", hex.EncodeToString(m[:]))
	if e, _ := os.ReadDir(cache2); len(e) != 0 {
		t.Errorf("cache after a bad checksum: %v", e)
	}
	notgz := filepath.Join(cache2, "x.tar.gz")
	mkfile(t, notgz, []byte("hello"))
	wantErr(t, ExtractCIFARArchive(notgz, cache2), "not a gzip file")
	var empty bytes.Buffer
	zw := gzip.NewWriter(&empty)
	tar.NewWriter(zw).Close()
	zw.Close()
	mkfile(t, notgz, empty.Bytes())
	wantErr(t, ExtractCIFARArchive(notgz, cache2), "no .bin files")
}

func TestCIFAROfflineNotFound(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := CIFARTrain("")
	wantErr(t, err, "train_4000.bin not found", CIFARURL, "NNLAB_OFFLINE=1")
	_, err = CIFARTest(filepath.Join(t.TempDir(), "missing"))
	wantErr(t, err, "missing")
}
