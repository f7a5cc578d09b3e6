package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Write returns root as an HDF5 file: superblock version 2, then every
// dataset's values, its object header and the groups' object headers,
// children before their parent (a header needs its members' addresses), the
// root group last.
func Write(root *Group) ([]byte, error) {
	w := &writer{buf: make([]byte, superblockV2Size)}
	addr, err := w.group(root)
	if err != nil {
		return nil, err
	}
	sb := append([]byte(signature), 2, 8, 8, 0) // version, size of offsets, size of lengths, consistency flags
	sb = le64(sb, 0)                            // base address
	sb = le64(sb, undefined)                    // superblock extension
	sb = le64(sb, uint64(len(w.buf)))           // end of file
	sb = le64(sb, addr)                         // root group's object header
	sb = le32(sb, lookup3(sb))
	copy(w.buf, sb)
	return w.buf, nil
}

const (
	signature        = "\x89HDF\r\n\x1a\n"
	superblockV2Size = 48
	undefined        = math.MaxUint64 // HDF5's "undefined address"
)

// Message types (HDF5 spec, IV.A.2).
const (
	msgNIL          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgLayout       = 0x08
	msgGroupInfo    = 0x0A
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
)

type writer struct{ buf []byte }

type message struct {
	typ  byte
	data []byte
}

func (w *writer) group(g *Group) (uint64, error) {
	seen := map[string]bool{}
	var links []message
	link := func(name string, addr uint64) error {
		if err := checkName(name); err != nil {
			return err
		}
		if seen[name] {
			return fmt.Errorf("hdf5: group %q has two members called %q", g.Name, name)
		}
		seen[name] = true
		// Link message version 1; flags 0x10: a character-set field
		// follows (UTF-8), the name's length fits one byte, hard link.
		m := []byte{1, 0x10, 1, byte(len(name))}
		m = append(m, name...)
		links = append(links, message{msgLink, le64(m, addr)})
		return nil
	}
	for _, c := range g.Groups {
		a, err := w.group(c)
		if err != nil {
			return 0, err
		}
		if err := link(c.Name, a); err != nil {
			return 0, err
		}
	}
	for _, d := range g.Datasets {
		a, err := w.dataset(d)
		if err != nil {
			return 0, err
		}
		if err := link(d.Name, a); err != nil {
			return 0, err
		}
	}
	// A group "in the new format" (compact links): Link Info says where
	// dense storage would be (nowhere), Group Info keeps the defaults.
	linfo := le64(le64([]byte{0, 0}, undefined), undefined)
	msgs := append([]message{{msgLinkInfo, linfo}, {msgGroupInfo, []byte{0, 0}}}, links...)
	return w.header(msgs), nil
}

func (w *writer) dataset(d *Dataset) (uint64, error) {
	if err := checkName(d.Name); err != nil {
		return 0, err
	}
	for _, s := range d.Shape {
		if s < 0 {
			return 0, fmt.Errorf("hdf5: dataset %q has a negative dimension in %v", d.Name, d.Shape)
		}
	}
	if len(d.Data) != d.Size() {
		return 0, fmt.Errorf("hdf5: dataset %q of shape %v holds %d values, not %d", d.Name, d.Shape, len(d.Data), d.Size())
	}
	data := uint64(undefined)
	if len(d.Data) > 0 {
		data = uint64(len(w.buf))
		for _, v := range d.Data {
			w.buf = le32(w.buf, math.Float32bits(v))
		}
	}
	// Dataspace version 2: rank, no maximum sizes, scalar or simple.
	typ := byte(1)
	if len(d.Shape) == 0 {
		typ = 0
	}
	space := []byte{2, byte(len(d.Shape)), 0, typ}
	for _, s := range d.Shape {
		space = le64(space, uint64(s))
	}
	// Datatype version 1, class 1 (floating point): little-endian, IEEE
	// binary32: sign at bit 31, exponent 23..30 (bias 127), mantissa 0..22
	// with an implied leading 1.
	dtype := []byte{0x11, 0x20, 31, 0}
	dtype = le32(dtype, 4)
	dtype = append(dtype, 0, 0, 32, 0, 23, 8, 0, 23)
	dtype = le32(dtype, 127)
	// Fill value version 3: allocated late, written if set, none set.
	fill := []byte{3, 0x0A}
	// Layout version 3, contiguous: where the values are and their bytes.
	layout := le64(le64([]byte{3, 1}, data), uint64(4*len(d.Data)))
	return w.header([]message{{msgDataspace, space}, {msgDatatype, dtype}, {msgFill, fill}, {msgLayout, layout}}), nil
}

// header appends a version 2 object header holding msgs and returns its
// address.
func (w *writer) header(msgs []message) uint64 {
	addr := uint64(len(w.buf))
	size := 0
	for _, m := range msgs {
		size += 4 + len(m.data)
	}
	h := append([]byte("OHDR"), 2, 0x02) // version 2; chunk size in 4 bytes
	h = le32(h, uint32(size))
	for _, m := range msgs {
		h = append(h, m.typ)
		h = append(h, byte(len(m.data)), byte(len(m.data)>>8))
		h = append(h, 0) // message flags
		h = append(h, m.data...)
	}
	h = le32(h, lookup3(h))
	w.buf = append(w.buf, h...)
	return addr
}

func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
