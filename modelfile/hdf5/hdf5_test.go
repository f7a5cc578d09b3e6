package hdf5

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sample is a tree laid out as Keras 3 lays out a weights file.
func sample() *Group {
	root := &Group{}
	root.Group("vars")
	l := root.Group("layers")
	d := l.Group("dense").Group("vars")
	d.Add("0", []int{3, 2}, []float32{1, -2, 3.5, 4, 5, float32(math.Pi)})
	d.Add("1", []int{2}, []float32{0.25, -0.5})
	l.Group("input_layer").Group("vars")
	bn := l.Group("batch_normalization").Group("vars")
	for i := 0; i < 4; i++ {
		bn.Add(fmt.Sprint(i), []int{3}, []float32{float32(i), 1, 2})
	}
	c := l.Group("conv2d").Group("vars")
	k := make([]float32, 3*3*3*4)
	for i := range k {
		k[i] = float32(i) / 7
	}
	c.Add("0", []int{3, 3, 3, 4}, k)
	root.Add("scalar", nil, []float32{42})
	return root
}

// listing is what a reader should find: every path with its shape and values.
func listing(g *Group) string {
	var b strings.Builder
	g.Walk(func(p string, grp *Group, ds *Dataset) {
		if ds != nil {
			fmt.Fprintf(&b, "%s %v %v\n", p, ds.Shape, ds.Data)
		} else {
			fmt.Fprintf(&b, "%s/\n", p)
		}
	})
	return b.String()
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	b, err := Write(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if listing(got) != listing(want) {
		t.Fatalf("read back:\n%s\nwrote:\n%s", listing(got), listing(want))
	}
}

func TestLookup3(t *testing.T) {
	// Bob Jenkins's own test values for hashlittle with initval 0.
	for _, c := range []struct {
		in   string
		want uint32
	}{{"", 0xdeadbeef}, {"Four score and seven years ago", 0x17770551}} {
		if got := lookup3([]byte(c.in)); got != c.want {
			t.Errorf("lookup3(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	for name, g := range map[string]*Group{
		"slash in a name":  {Groups: []*Group{{Name: "a/b"}}},
		"two members":      {Groups: []*Group{{Name: "a"}}, Datasets: []*Dataset{{Name: "a", Data: []float32{1}}}},
		"values not shape": {Datasets: []*Dataset{{Name: "x", Shape: []int{2, 2}, Data: []float32{1}}}},
	} {
		if _, err := Write(g); err == nil {
			t.Errorf("%s: Write gave no error", name)
		}
	}
}

// TestReadDamaged cuts and flips a written file: Read must fail with an
// error (or, for a flipped value byte, read different values), never
// panic or hang.
func TestReadDamaged(t *testing.T) {
	b, err := Write(sample())
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n += 7 {
		if _, err := Read(b[:n]); err == nil {
			t.Fatalf("Read of the first %d of %d bytes gave no error", n, len(b))
		}
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x5a
		Read(c) // must return
	}
	if _, err := Read([]byte("PK\x03\x04 not hdf5")); err == nil || !strings.Contains(err.Error(), "not an HDF5 file") {
		t.Fatalf("a zip header: %v", err)
	}
}

// python finds a Python 3 with h5py and numpy (Debian's python3-h5py), or
// skips: a developer check, not run in CI.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			if exec.Command(path, "-c", "import h5py, numpy").Run() == nil {
				return path
			}
		}
	}
	t.Skip("no python3 with h5py and numpy (apt-get install python3-h5py python3-numpy): the check against libhdf5 is skipped")
	return ""
}

// TestH5pyReadsOurs: libhdf5, through h5py, lists the same tree and values.
func TestH5pyReadsOurs(t *testing.T) {
	py := python(t)
	b, err := Write(sample())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "w.h5")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", h5list, path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5py could not read the file: %v\n%s", err, out)
	}
	if string(out) != listing(sample()) {
		t.Fatalf("h5py lists:\n%s\nwe wrote:\n%s", out, listing(sample()))
	}
}

// TestReadH5pyFiles: files libhdf5 writes, in its default (symbol-table
// groups, version 1 headers) and latest formats, read back.
func TestReadH5pyFiles(t *testing.T) {
	py := python(t)
	for _, c := range []struct{ libver, n string }{{"earliest", "20"}, {"latest", "6"}, {"latest", "20"}} {
		libver := c.libver
		path := filepath.Join(t.TempDir(), libver+".h5")
		if out, err := exec.Command(py, "-c", h5write, path, libver, c.n).CombinedOutput(); err != nil {
			t.Fatalf("h5py: %v\n%s", err, out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Read(b)
		if c.libver == "latest" && c.n == "20" {
			// More than 8 links in the latest format go to a fractal heap.
			if err == nil || !strings.Contains(err.Error(), "dense storage") {
				t.Fatalf("latest, 20 groups: want the dense-storage error, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", libver, err)
		}
		want, err := exec.Command(py, "-c", h5list, path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if listing(got) != string(want) {
			t.Fatalf("%s: we read:\n%s\nh5py lists:\n%s", libver, listing(got), want)
		}
	}
}

// h5list prints an HDF5 file as listing does, values as float32.
const h5list = `
import sys, h5py, numpy as np
def fmt(v):
    v = np.float32(v)
    if v == int(v) and abs(v) < 1e21: return "%d" % int(v)
    return np.format_float_positional(v, unique=True, trim='-') if abs(v) >= 1e-4 else repr(float(v))
def show(name, obj):
    if isinstance(obj, h5py.Dataset):
        a = np.asarray(obj[()], dtype=np.float32)
        print(name, "[" + " ".join(str(s) for s in obj.shape) + "]", "[" + " ".join(fmt(x) for x in a.reshape(-1)) + "]")
    else:
        print(name + "/")
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(show)
`

// h5write writes a Keras-like weights file with many members (more than a
// symbol-table node's 8, so the B-tree splits), float64 and int64 values.
const h5write = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w", libver=sys.argv[2]) as f:
    f.create_group("vars")
    for i in range(int(sys.argv[3])):
        g = f.create_group("layers/dense_%d/vars" % i)
        g.create_dataset("0", data=np.arange(6, dtype=np.float32).reshape(2, 3) * (i + 1) / 8)
        g.create_dataset("1", data=np.array([0.5, -i], dtype=np.float64))
    f.create_group("optimizer/vars").create_dataset("0", data=np.int64(-7))
`

// FuzzRead: no file makes Read panic or hang (go test -fuzz FuzzRead).
func FuzzRead(f *testing.F) {
	b, err := Write(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:superblockV2Size])
	f.Add([]byte(signature + "\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Read(data)
		if err == nil && g == nil {
			t.Fatal("no group and no error")
		}
	})
}
