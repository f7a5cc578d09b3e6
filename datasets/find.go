package datasets

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names, download addresses and checksums of the lesson's data.
const (
	WeatherFile   = "weather_prediction_dataset_light.csv"
	WeatherURL    = "https://zenodo.org/record/5071376/files/weather_prediction_dataset_light.csv?download=1"
	WeatherSHA256 = "d10b70448e6848a66958a18667f4dbf8a4ef13b166f6803a7ab2057c6ec9d438"

	CIFARURL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	CIFARMD5 = "c32a1d4ab5d03f1284b67883e8d87530"
	// CIFARDir is the folder inside cifar-10-binary.tar.gz that holds the .bin files.
	CIFARDir = "cifar-10-batches-bin"
	// CIFARSubsetDir is the folder of shared/data that holds train_4000.bin and test_1000.bin.
	CIFARSubsetDir = "cifar10-subset"
)

// Environment variables read by this package.
const (
	EnvData    = "NNLAB_DATA"    // a folder holding data files; searched before the cache
	EnvCache   = "NNLAB_CACHE"   // overrides the download cache folder
	EnvOffline = "NNLAB_OFFLINE" // "1" forbids downloads
)

// Offline reports whether downloads are forbidden ($NNLAB_OFFLINE is "1").
func Offline() bool { return os.Getenv(EnvOffline) == "1" }

// CacheDir returns the download cache: $NNLAB_CACHE if set, else
// os.UserCacheDir()/nnlab. The folder is not created.
func CacheDir() (string, error) {
	if d := os.Getenv(EnvCache); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets: no cache folder (set %s): %w", EnvCache, err)
	}
	return filepath.Join(d, "nnlab"), nil
}

// NotFoundError is returned by [Find] when no candidate location holds the file.
type NotFoundError struct {
	Name   string
	Looked []string // every path tried, with the reason it was tried
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: %s not found; looked in:", e.Name)
	for _, l := range e.Looked {
		b.WriteString("\n  ")
		b.WriteString(l)
	}
	b.WriteString("\n")
	b.WriteString(howToGet(e.Name))
	return b.String()
}

// howToGet tells the user where a missing file comes from.
func howToGet(name string) string {
	where := fmt.Sprintf("put it in one of these folders, or set %s to the folder that holds it", EnvData)
	switch {
	case name == WeatherFile:
		return fmt.Sprintf("Download it from %s and %s.", WeatherURL, where)
	case name == PenguinsFile:
		return fmt.Sprintf("Download it from %s (or install Debian's r-cran-palmerpenguins: extdata/penguins.csv) and %s.", PenguinsURL, where)
	case name == "train_4000.bin" || name == "test_1000.bin":
		return fmt.Sprintf("It is part of the CIFAR-10 subset in shared/data/%s; %s "+
			"(or use the full set: %s, extracted).", CIFARSubsetDir, where, CIFARURL)
	case isCIFARName(name):
		return fmt.Sprintf("Download %s, extract it (the .bin files are in %s/) and %s.", CIFARURL, CIFARDir, where)
	}
	return "Put it in one of these folders, or set " + EnvData + " to the folder that holds it."
}

// isCIFARName reports whether name is a CIFAR-10 binary file, which is also
// looked for in the cifar10-subset and cifar-10-batches-bin subfolders.
func isCIFARName(name string) bool { return strings.HasSuffix(name, ".bin") }

// Find locates the data file name. It looks, in order, in:
//
//  1. explicit, if not "": a file path (returned as is, whatever its base
//     name) or a folder holding name; an explicit path that does not exist
//     is an error at once, it is never silently replaced by another file;
//  2. the folder $NNLAB_DATA;
//  3. the download cache [CacheDir];
//  4. A/shared/data for the working directory and each of its ancestors A
//     (so a checkout at /X/nnlab, or any folder inside it, finds
//     /X/shared/data).
//
// In each folder, CIFAR-10 .bin files are also looked for in the subfolders
// cifar10-subset and cifar-10-batches-bin. If the file is nowhere, the
// *[NotFoundError] lists every place tried and how to get the file.
func Find(name, explicit string) (string, error) {
	p, _, err := find(name, explicit)
	return p, err
}

// find is [Find] that also returns the rank of the location where the file
// was found (0 = explicit, 1 = $NNLAB_DATA, 2 = cache, 3+ = shared/data
// folders, nearest first), so that callers can prefer one of two files by
// where they were found.
func find(name, explicit string) (string, int, error) {
	var looked []string
	try := func(dir, why string) string {
		cands := []string{filepath.Join(dir, name)}
		if isCIFARName(name) {
			cands = append(cands, filepath.Join(dir, CIFARSubsetDir, name), filepath.Join(dir, CIFARDir, name))
		}
		for _, c := range cands {
			if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
				return c
			}
			looked = append(looked, c+" ("+why+")")
		}
		return ""
	}

	if explicit != "" {
		st, err := os.Stat(explicit)
		if err != nil {
			return "", 0, fmt.Errorf("datasets: the data path given for %s: %w", name, err)
		}
		if !st.IsDir() {
			return explicit, 0, nil
		}
		if p := try(explicit, "given folder"); p != "" {
			return p, 0, nil
		}
	}
	if d := os.Getenv(EnvData); d != "" {
		if p := try(d, "$"+EnvData); p != "" {
			return p, 1, nil
		}
	} else {
		looked = append(looked, "$"+EnvData+" (not set)")
	}
	if d, err := CacheDir(); err == nil {
		if p := try(d, "download cache"); p != "" {
			return p, 2, nil
		}
	} else {
		looked = append(looked, "download cache: "+err.Error())
	}
	if wd, err := os.Getwd(); err == nil {
		rank := 3
		for a := wd; ; rank++ {
			if p := try(filepath.Join(a, "shared", "data"), "shared data beside "+a); p != "" {
				return p, rank, nil
			}
			up := filepath.Dir(a)
			if up == a {
				break
			}
			a = up
		}
	} else {
		looked = append(looked, "shared/data above the working directory: "+err.Error())
	}
	return "", 0, &NotFoundError{Name: name, Looked: looked}
}

// Checksum is the expected digest of a downloaded file.
type Checksum struct {
	Algo string // "sha256" or "md5"
	Hex  string // lower- or upper-case hex digest
}

// SHA256 and MD5 build a [Checksum].
func SHA256(hexDigest string) Checksum { return Checksum{"sha256", hexDigest} }
func MD5(hexDigest string) Checksum    { return Checksum{"md5", hexDigest} }

func (c Checksum) String() string { return c.Algo + ":" + strings.ToLower(c.Hex) }

// hasher returns a new hash for c, or an error if c is unusable.
func (c Checksum) hasher() (hash.Hash, error) {
	var h hash.Hash
	switch strings.ToLower(c.Algo) {
	case "sha256":
		h = sha256.New()
	case "md5":
		h = md5.New()
	default:
		return nil, fmt.Errorf("datasets: unknown checksum algorithm %q (want sha256 or md5)", c.Algo)
	}
	if _, err := hex.DecodeString(c.Hex); err != nil || len(c.Hex) != 2*h.Size() {
		return nil, fmt.Errorf("datasets: %s checksum %q is not %d hex digits", c.Algo, c.Hex, 2*h.Size())
	}
	return h, nil
}

// httpClient is used by [Fetch]; tests may replace it.
var httpClient = http.DefaultClient

// Fetch downloads url to dst. The body goes to a temporary file in dst's
// folder (normally the cache, see [CacheDir]; the folder is created), its
// checksum is compared with sum, and only then is the file renamed to dst.
// On a checksum mismatch or any other failure the temporary file is deleted
// and dst is left untouched; a mismatch error gives both sums.
func Fetch(ctx context.Context, url, dst string, sum Checksum) error {
	h, err := sum.hasher()
	if err != nil {
		return err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: fetching %s: %w", url, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("datasets: fetching %s: %w", url, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("datasets: fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("datasets: fetching %s: HTTP %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return fmt.Errorf("datasets: fetching %s: %w", url, err)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("datasets: fetching %s: %w (after %d bytes)", url, err, n)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, sum.Hex) {
		os.Remove(tmp.Name())
		return fmt.Errorf("datasets: %s from %s: %s mismatch: got %s, want %s (%d bytes; download discarded)",
			filepath.Base(dst), url, sum.Algo, got, strings.ToLower(sum.Hex), n)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("datasets: fetching %s: %w", url, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("datasets: fetching %s: %w", url, err)
	}
	return nil
}

// findOrFetch is [Find], then, if the file is nowhere and downloads are
// allowed, fetch into [CacheDir] within timeout, followed by a second Find.
func findOrFetch(name, explicit, url string, timeout time.Duration, fetch func(ctx context.Context, cache string) error) (string, error) {
	p, err := Find(name, explicit)
	var nf *NotFoundError
	if err == nil || !errors.As(err, &nf) {
		return p, err
	}
	if Offline() {
		return "", fmt.Errorf("%w\n(%s=1, so it was not downloaded from %s)", err, EnvOffline, url)
	}
	cache, cerr := CacheDir()
	if cerr != nil {
		return "", fmt.Errorf("%w\n(cannot download: %v)", err, cerr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if ferr := fetch(ctx, cache); ferr != nil {
		return "", fmt.Errorf("%v\n%w", ferr, err)
	}
	return Find(name, explicit)
}

// WeatherPath locates the weather CSV with [Find]; if it is nowhere and
// downloads are allowed ($NNLAB_OFFLINE != "1") it fetches it from Zenodo
// record 5071376 into [CacheDir], verifying its SHA-256.
func WeatherPath(explicit string) (string, error) {
	return findOrFetch(WeatherFile, explicit, WeatherURL, 5*time.Minute, func(ctx context.Context, cache string) error {
		return Fetch(ctx, WeatherURL, filepath.Join(cache, WeatherFile), SHA256(WeatherSHA256))
	})
}
