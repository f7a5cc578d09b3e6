// Package hdf5 writes and reads the small part of HDF5 that a Keras weights
// file (model.weights.h5 inside a .keras zip) uses: a tree of groups holding
// n-dimensional float32 datasets, all in memory, so that it runs in the
// browser (GOOS=js) as well as natively.
//
// No pure-Go HDF5 library that builds under GOOS=js was found among the Go
// modules the proxy serves (the maintained ones wrap libhdf5 through cgo), so
// this is a subset written from the HDF5 File Format Specification 3.0:
//
//   - Write produces superblock version 2 and version 2 object headers
//     ("OHDR", Jenkins lookup3 checksums), groups as compact link messages
//     and datasets as contiguous little-endian float32: the format libhdf5
//     1.8 and later (h5py, Keras) reads.
//   - Read also understands what libhdf5 writes by default (h5py's
//     libver="earliest", hence Keras's files): superblock versions 0 and 1,
//     version 1 object headers with continuation blocks, and groups kept as
//     symbol tables (a version 1 B-tree of symbol-table nodes over a local
//     heap). Datasets may be contiguous or compact; float32, float64 and
//     integer datasets of either byte order are read as float32. Chunked or
//     compressed datasets, dense link storage (fractal heaps), soft and
//     external links are reported as errors naming the object, not guessed.
//
// Attributes are neither written nor kept: Keras 3 writes none in its
// weights file.
package hdf5

import (
	"fmt"
	"sort"
	"strings"
)

// Group is an HDF5 group: named members in the order they were added
// (Read returns them sorted by name, as h5py lists them).
type Group struct {
	Name     string
	Groups   []*Group
	Datasets []*Dataset
}

// Dataset is a float32 array of the given shape, stored row-major (C
// order, as numpy does). A scalar has an empty Shape and one value.
type Dataset struct {
	Name  string
	Shape []int
	Data  []float32
}

// Size is the number of values the shape holds.
func (d *Dataset) Size() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// Group returns the member group called name, adding it if there is none.
func (g *Group) Group(name string) *Group {
	for _, c := range g.Groups {
		if c.Name == name {
			return c
		}
	}
	c := &Group{Name: name}
	g.Groups = append(g.Groups, c)
	return c
}

// Add adds a dataset to g.
func (g *Group) Add(name string, shape []int, data []float32) *Dataset {
	d := &Dataset{Name: name, Shape: append([]int(nil), shape...), Data: data}
	g.Datasets = append(g.Datasets, d)
	return d
}

// Lookup finds the group at a slash-separated path below g ("" is g).
func (g *Group) Lookup(path string) *Group {
	cur := g
	for _, p := range strings.Split(path, "/") {
		if p == "" {
			continue
		}
		var next *Group
		for _, c := range cur.Groups {
			if c.Name == p {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// Dataset returns the member dataset called name, or nil.
func (g *Group) Dataset(name string) *Dataset {
	for _, d := range g.Datasets {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Walk calls f for every group and dataset below g with its path
// ("layers/dense/vars/0"), groups before their members, members by name.
func (g *Group) Walk(f func(path string, grp *Group, ds *Dataset)) {
	g.walk("", f)
}

func (g *Group) walk(prefix string, f func(string, *Group, *Dataset)) {
	type member struct {
		name string
		g    *Group
		d    *Dataset
	}
	var ms []member
	for _, c := range g.Groups {
		ms = append(ms, member{c.Name, c, nil})
	}
	for _, d := range g.Datasets {
		ms = append(ms, member{d.Name, nil, d})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
	for _, m := range ms {
		p := m.name
		if prefix != "" {
			p = prefix + "/" + m.name
		}
		f(p, m.g, m.d)
		if m.g != nil {
			m.g.walk(p, f)
		}
	}
}

// checkName rejects names HDF5 cannot hold as one link.
func checkName(name string) error {
	if name == "" || name == "." || strings.Contains(name, "/") || len(name) > 255 {
		return fmt.Errorf("hdf5: %q cannot name a group or dataset (1 to 255 bytes, no '/')", name)
	}
	return nil
}
