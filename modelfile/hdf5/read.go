package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// Read parses an HDF5 file held in memory and returns its root group with
// every group and float dataset below it (see the package comment for the
// subset). A file outside the subset or damaged is an error that says what
// was found where; Read never trusts a size or an address it has not
// checked against the file.
func Read(b []byte) (*Group, error) {
	r := &reader{b: b, seen: map[uint64]bool{}}
	root, err := r.superblock()
	if err != nil {
		return nil, err
	}
	g, err := r.group("/", root, 0)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Limits on what a file may make Read do: a hostile file cannot make it
// recurse without end or allocate more than the file could describe.
const (
	maxDepth   = 64
	maxObjects = 1 << 16
	maxBlocks  = 1 << 12 // continuation blocks of one object header
	// maxWork bounds the messages, blocks and symbol-table entries one
	// Read parses in all: a small hostile file whose objects share headers
	// could otherwise make it parse the same bytes for minutes.
	maxWork = 1 << 22
)

var errTooComplex = fmt.Errorf("hdf5: the file's objects make more than %d parsing steps: it is not a weights file this reader takes", maxWork)

// spend counts parsing steps against maxWork.
func (r *reader) spend(n int) error {
	r.work += n
	if r.work > maxWork {
		return errTooComplex
	}
	return nil
}

type reader struct {
	b       []byte
	base    uint64 // where the superblock starts (a user block may precede it)
	so, sl  int    // sizes of offsets and lengths
	seen    map[uint64]bool
	objects int
	work    int
}

func (r *reader) superblock() (uint64, error) {
	// The signature is at 0, or at 512, 1024, 2048, ... after a user block.
	at := -1
	for off := 0; off+len(signature) <= len(r.b); off = max(512, 2*off) {
		if string(r.b[off:off+len(signature)]) == signature {
			at = off
			break
		}
	}
	if at < 0 {
		return 0, errors.New("hdf5: not an HDF5 file (no \\x89HDF signature)")
	}
	c := r.at(uint64(at) + 8)
	version := c.u8()
	switch version {
	case 0, 1:
		c.skip(3) // free-space, root symbol table, reserved
		c.skip(1) // shared header message format
		r.so, r.sl = int(c.u8()), int(c.u8())
		c.so, c.sl = r.so, r.sl
		if err := r.checkSizes(); err != nil {
			return 0, err
		}
		c.skip(1 + 2 + 2 + 4) // reserved, leaf K, internal K, flags
		if version == 1 {
			c.skip(4) // indexed storage K, reserved
		}
		r.base = c.off()
		c.off() // free space address
		c.off() // end of file
		c.off() // driver information block
		// Root group symbol table entry: link name offset, header address.
		c.off()
		root := c.off()
		if c.err != nil {
			return 0, fmt.Errorf("hdf5: the superblock is cut short: %w", c.err)
		}
		return root, nil
	case 2, 3:
		r.so, r.sl = int(c.u8()), int(c.u8())
		c.so, c.sl = r.so, r.sl
		if err := r.checkSizes(); err != nil {
			return 0, err
		}
		c.skip(1)
		r.base = c.off()
		c.off() // superblock extension
		c.off() // end of file
		root := c.off()
		end := c.pos
		sum := c.u32()
		if c.err != nil {
			return 0, fmt.Errorf("hdf5: the superblock is cut short: %w", c.err)
		}
		if lookup3(r.b[at:end]) != sum {
			return 0, errors.New("hdf5: the superblock's checksum does not match: the file is damaged")
		}
		return root, nil
	}
	return 0, fmt.Errorf("hdf5: superblock version %d is not one this reader knows (0 to 3)", version)
}

func (r *reader) checkSizes() error {
	if (r.so != 4 && r.so != 8) || (r.sl != 4 && r.sl != 8) {
		return fmt.Errorf("hdf5: offsets of %d bytes and lengths of %d bytes are not supported (4 or 8)", r.so, r.sl)
	}
	return nil
}

// cursor reads little-endian fields; the first read past the end sets err
// and every later read returns zeros.
type cursor struct {
	b      []byte
	pos    int
	end    int
	so, sl int
	err    error
}

// over reads b (a message's data).
func (r *reader) over(b []byte) *cursor { return &cursor{b: b, end: len(b), so: r.so, sl: r.sl} }

// at reads the file from addr (an index into it, after addr()).
func (r *reader) at(addr uint64) *cursor {
	c := &cursor{b: r.b, end: len(r.b), so: r.so, sl: r.sl}
	if addr > uint64(len(r.b)) {
		c.err = fmt.Errorf("address %d is past the end of the file (%d bytes)", addr, len(r.b))
		c.pos = len(r.b)
	} else {
		c.pos = int(addr)
	}
	return c
}

// After an error take returns at most 8 zero bytes, enough for the
// fixed-size reads; a length read from a damaged file must not become an
// allocation.
func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return make([]byte, min(max(n, 0), 8))
	}
	if n < 0 || c.end-c.pos < n {
		c.err = fmt.Errorf("%d bytes at %d run past the end of their block (%d)", n, c.pos, c.end)
		return make([]byte, min(max(n, 0), 8))
	}
	b := c.b[c.pos : c.pos+n]
	c.pos += n
	return b
}

func (c *cursor) skip(n int) { c.take(n) }
func (c *cursor) u8() byte   { return c.take(1)[0] }
func (c *cursor) u16() uint16 {
	return binary.LittleEndian.Uint16(c.take(2))
}
func (c *cursor) u32() uint32 { return binary.LittleEndian.Uint32(c.take(4)) }
func (c *cursor) u64() uint64 { return binary.LittleEndian.Uint64(c.take(8)) }
func (c *cursor) uint(n int) uint64 {
	switch n {
	case 1:
		return uint64(c.u8())
	case 2:
		return uint64(c.u16())
	case 4:
		return uint64(c.u32())
	}
	return c.u64()
}

// off reads an address (size of offsets); HDF5's undefined address, all
// ones, comes back as undefined whatever the size.
func (c *cursor) off() uint64 {
	v := c.uint(c.so)
	if c.so == 4 && v == math.MaxUint32 {
		return undefined
	}
	return v
}
func (c *cursor) length() uint64 { return c.uint(c.sl) }

// addr turns a file address into an index into b.
func (r *reader) addr(a uint64) (uint64, error) {
	if a == undefined || a > uint64(len(r.b)) || r.base > uint64(len(r.b))-a {
		return 0, fmt.Errorf("address %#x is outside the file (%d bytes)", a, len(r.b))
	}
	return a + r.base, nil
}

type msg struct {
	typ  uint16
	data []byte
}

// header reads the messages of the object header at addr, following
// continuation messages.
func (r *reader) header(addr uint64) ([]msg, error) {
	a, err := r.addr(addr)
	if err != nil {
		return nil, err
	}
	c := r.at(a)
	var msgs []msg
	type block struct{ at, n uint64 }
	var more []block
	if bytes.HasPrefix(r.b[a:], []byte("OHDR")) {
		c.skip(4)
		if v := c.u8(); v != 2 {
			return nil, fmt.Errorf("object header at %d: version %d, expected 2", addr, v)
		}
		flags := c.u8()
		if flags&0x20 != 0 {
			c.skip(16) // access, modification, change, birth times
		}
		if flags&0x10 != 0 {
			c.skip(4) // attribute phase change values
		}
		size := c.uint(1 << (flags & 3))
		start := c.pos
		if size > uint64(len(r.b)-start) || len(r.b)-start-int(size) < 4 {
			return nil, fmt.Errorf("object header at %d: its %d bytes of messages run past the end of the file", addr, size)
		}
		end := start + int(size)
		if lookup3(r.b[a:end]) != binary.LittleEndian.Uint32(r.b[end:]) {
			return nil, fmt.Errorf("object header at %d: the checksum does not match: the file is damaged", addr)
		}
		c.end = end
		ms, conts, err := r.messagesV2(c, flags&0x04 != 0)
		if err != nil {
			return nil, fmt.Errorf("object header at %d: %w", addr, err)
		}
		msgs = append(msgs, ms...)
		for _, k := range conts {
			more = append(more, block(k))
		}
		for blocks := 0; len(more) > 0; blocks++ {
			k := more[0]
			more = more[1:]
			if blocks > maxBlocks {
				return nil, fmt.Errorf("object header at %d has too many continuation blocks", addr)
			}
			ka, err := r.addr(k.at)
			if err != nil || k.n < 8 || k.n > uint64(len(r.b))-ka || !bytes.HasPrefix(r.b[ka:], []byte("OCHK")) {
				return nil, fmt.Errorf("object header at %d: a continuation block at %d is not one", addr, k.at)
			}
			end := int(ka + k.n - 4)
			if lookup3(r.b[ka:end]) != binary.LittleEndian.Uint32(r.b[end:]) {
				return nil, fmt.Errorf("object header at %d: a continuation block's checksum does not match: the file is damaged", addr)
			}
			cc := r.at(ka + 4)
			cc.end = end
			ms, conts, err := r.messagesV2(cc, flags&0x04 != 0)
			if err != nil {
				return nil, fmt.Errorf("object header at %d: %w", addr, err)
			}
			msgs = append(msgs, ms...)
			for _, k := range conts {
				more = append(more, block(k))
			}
		}
		return msgs, nil
	}
	// Version 1: version, reserved, message count, reference count, size,
	// then the messages from the next multiple of 8.
	if v := c.u8(); v != 1 {
		return nil, fmt.Errorf("object header at %d: version %d is not 1 or 2 (is the address right?)", addr, v)
	}
	c.skip(1)
	count := int(c.u16())
	c.skip(4)
	size := c.u32()
	c.skip(4)
	if c.err != nil {
		return nil, fmt.Errorf("object header at %d: %w", addr, c.err)
	}
	if uint64(size) > uint64(len(r.b)-c.pos) {
		return nil, fmt.Errorf("object header at %d: its %d bytes run past the end of the file", addr, size)
	}
	c.end = c.pos + int(size)
	blocks := []*cursor{c}
	for seen := 0; len(blocks) > 0 && len(msgs) < count; seen++ {
		if seen > maxBlocks {
			return nil, fmt.Errorf("object header at %d has too many continuation blocks", addr)
		}
		c := blocks[0]
		blocks = blocks[1:]
		for c.end-c.pos >= 8 && len(msgs) < count {
			if err := r.spend(1); err != nil {
				return nil, err
			}
			typ := c.u16()
			n := int(c.u16())
			c.skip(4) // flags, reserved
			data := c.take(n)
			if c.err != nil {
				return nil, fmt.Errorf("object header at %d: %w", addr, c.err)
			}
			if typ == msgContinuation {
				d := r.over(data)
				at, n := d.off(), d.length()
				ka, err := r.addr(at)
				if err != nil || n > uint64(len(r.b))-ka {
					return nil, fmt.Errorf("object header at %d: a continuation block at %d is outside the file", addr, at)
				}
				cc := r.at(ka)
				cc.end = int(ka + n)
				blocks = append(blocks, cc)
				continue
			}
			msgs = append(msgs, msg{typ, data})
		}
	}
	return msgs, nil
}

// messagesV2 reads the messages of one chunk of a version 2 header and
// returns the continuation blocks it names.
func (r *reader) messagesV2(c *cursor, order bool) ([]msg, []struct{ at, n uint64 }, error) {
	var msgs []msg
	var conts []struct{ at, n uint64 }
	hdr := 4
	if order {
		hdr = 6
	}
	for c.end-c.pos >= hdr { // less is a gap
		if err := r.spend(1); err != nil {
			return nil, nil, err
		}
		typ := uint16(c.u8())
		n := int(c.u16())
		c.skip(hdr - 3) // flags [, creation order]
		data := c.take(n)
		if c.err != nil {
			return nil, nil, c.err
		}
		if typ == msgContinuation {
			d := r.over(data)
			conts = append(conts, struct{ at, n uint64 }{d.off(), d.length()})
			if d.err != nil {
				return nil, nil, d.err
			}
			continue
		}
		msgs = append(msgs, msg{typ, data})
	}
	return msgs, conts, nil
}

// group reads the group whose object header is at addr.
func (r *reader) group(name string, addr uint64, depth int) (*Group, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("hdf5: groups nest deeper than %d at %q", maxDepth, name)
	}
	if r.seen[addr] {
		return nil, fmt.Errorf("hdf5: %q links back to a group above it", name)
	}
	r.seen[addr] = true
	defer delete(r.seen, addr)
	msgs, err := r.header(addr)
	if err != nil {
		return nil, fmt.Errorf("hdf5: group %q: %w", name, err)
	}
	type link struct {
		name string
		addr uint64
	}
	var links []link
	for _, m := range msgs {
		switch m.typ {
		case msgSymbolTable:
			d := r.over(m.data)
			tree, heap := d.off(), d.off()
			if d.err != nil {
				return nil, fmt.Errorf("hdf5: group %q: symbol table message: %w", name, d.err)
			}
			ents, err := r.symbolTable(tree, heap)
			if err != nil {
				return nil, fmt.Errorf("hdf5: group %q: %w", name, err)
			}
			for _, e := range ents {
				links = append(links, link{e.name, e.addr})
			}
		case msgLinkInfo:
			d := r.over(m.data)
			d.skip(1)
			flags := d.u8()
			if flags&1 != 0 {
				d.skip(8)
			}
			if heap := d.off(); heap != undefined && d.err == nil {
				return nil, fmt.Errorf("hdf5: group %q keeps its links in dense storage (a fractal heap), which this reader does not read; write the file with h5py's default libver", name)
			}
		case msgLink:
			l, target, err := r.link(m.data)
			if err != nil {
				return nil, fmt.Errorf("hdf5: group %q: %w", name, err)
			}
			links = append(links, link{l, target})
		}
	}
	sort.Slice(links, func(i, j int) bool { return links[i].name < links[j].name })
	g := &Group{Name: name}
	if name == "/" {
		g.Name = ""
	}
	for _, l := range links {
		if r.objects++; r.objects > maxObjects {
			return nil, fmt.Errorf("hdf5: more than %d objects", maxObjects)
		}
		if err := checkName(l.name); err != nil {
			return nil, fmt.Errorf("hdf5: group %q: %w", name, err)
		}
		ms, err := r.header(l.addr)
		if err != nil {
			return nil, fmt.Errorf("hdf5: %q in group %q: %w", l.name, name, err)
		}
		kind := "other"
		for _, m := range ms {
			switch m.typ {
			case msgLayout:
				kind = "dataset"
			case msgSymbolTable, msgLinkInfo, msgLink:
				if kind == "other" {
					kind = "group"
				}
			}
		}
		switch kind {
		case "dataset":
			d, err := r.dataset(l.name, ms)
			if err != nil {
				return nil, fmt.Errorf("hdf5: dataset %q in group %q: %w", l.name, name, err)
			}
			g.Datasets = append(g.Datasets, d)
		default:
			// An empty new-style group may have no Link messages, and an
			// object with neither layout nor links is taken as an empty
			// group too (it holds nothing Keras reads).
			c, err := r.group(l.name, l.addr, depth+1)
			if err != nil {
				return nil, err
			}
			g.Groups = append(g.Groups, c)
		}
	}
	return g, nil
}

// link reads a Link message: a hard link's name and address.
func (r *reader) link(data []byte) (string, uint64, error) {
	d := r.over(data)
	if v := d.u8(); v != 1 {
		return "", 0, fmt.Errorf("link message version %d, expected 1", v)
	}
	flags := d.u8()
	typ := byte(0)
	if flags&0x08 != 0 {
		typ = d.u8()
	}
	if flags&0x04 != 0 {
		d.skip(8)
	}
	if flags&0x10 != 0 {
		d.skip(1)
	}
	n := int(d.uint(1 << (flags & 3)))
	name := string(d.take(n))
	if typ != 0 {
		return "", 0, fmt.Errorf("%q is a soft or external link, which this reader does not follow", name)
	}
	addr := d.off()
	if d.err != nil {
		return "", 0, fmt.Errorf("link message: %w", d.err)
	}
	return name, addr, nil
}

type entry struct {
	name string
	addr uint64
}

// symbolTable reads an old-style group: the version 1 B-tree at tree
// whose leaves are symbol-table nodes, with names in the local heap.
func (r *reader) symbolTable(tree, heap uint64) ([]entry, error) {
	ha, err := r.addr(heap)
	if err != nil {
		return nil, fmt.Errorf("local heap: %w", err)
	}
	h := r.at(ha)
	if string(h.take(4)) != "HEAP" {
		return nil, fmt.Errorf("no local heap at %d", heap)
	}
	h.skip(4)
	size := h.length()
	h.length()
	data := h.off()
	if h.err != nil {
		return nil, fmt.Errorf("local heap: %w", h.err)
	}
	da, err := r.addr(data)
	if err != nil || size > uint64(len(r.b))-da {
		return nil, fmt.Errorf("the local heap's data at %d is outside the file", data)
	}
	names := r.b[da : da+size]
	var out []entry
	var walk func(addr uint64, depth int) error
	walk = func(addr uint64, depth int) error {
		if depth > maxDepth {
			return errors.New("the group's B-tree is too deep")
		}
		a, err := r.addr(addr)
		if err != nil {
			return fmt.Errorf("B-tree node: %w", err)
		}
		c := r.at(a)
		switch string(c.take(4)) {
		case "TREE":
			if typ := c.u8(); typ != 0 {
				return fmt.Errorf("B-tree node at %d is of type %d, not a group's", addr, typ)
			}
			c.skip(1) // level: children say what they are
			n := int(c.u16())
			c.off()
			c.off()
			if err := r.spend(n + 1); err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				c.length() // key
				child := c.off()
				if c.err != nil {
					return fmt.Errorf("B-tree node at %d: %w", addr, c.err)
				}
				if r.objects++; r.objects > maxObjects {
					return fmt.Errorf("more than %d objects", maxObjects)
				}
				if err := walk(child, depth+1); err != nil {
					return err
				}
			}
		case "SNOD":
			c.skip(2)
			n := int(c.u16())
			if err := r.spend(n + 1); err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				off := c.length()
				hdr := c.off()
				c.skip(24)
				if c.err != nil {
					return fmt.Errorf("symbol table node at %d: %w", addr, c.err)
				}
				if off >= uint64(len(names)) {
					return fmt.Errorf("symbol table node at %d names an entry outside the heap", addr)
				}
				name := names[off:]
				if i := bytes.IndexByte(name, 0); i >= 0 {
					name = name[:i]
				}
				out = append(out, entry{string(name), hdr})
			}
		default:
			return fmt.Errorf("no B-tree or symbol table node at %d", addr)
		}
		return nil
	}
	return out, walk(tree, 0)
}

// dataset reads a dataset's shape, type and values as float32.
func (r *reader) dataset(name string, msgs []msg) (*Dataset, error) {
	d := &Dataset{Name: name}
	var (
		haveSpace, haveType bool
		size                int
		float, bigEndian    bool
		signed              bool
		layout              []byte
	)
	for _, m := range msgs {
		c := r.over(m.data)
		switch m.typ {
		case msgDataspace:
			v := c.u8()
			rank := int(c.u8())
			flags := c.u8()
			switch v {
			case 1:
				c.skip(5)
			case 2:
				if typ := c.u8(); typ == 2 {
					rank = 0 // null dataspace: no values
				}
			default:
				return nil, fmt.Errorf("dataspace version %d is not 1 or 2", v)
			}
			if rank > 32 {
				return nil, fmt.Errorf("rank %d is more than HDF5's 32", rank)
			}
			d.Shape = make([]int, rank)
			for i := range d.Shape {
				s := c.length()
				if s > math.MaxInt32 {
					return nil, fmt.Errorf("dimension %d is too large", s)
				}
				d.Shape[i] = int(s)
			}
			_ = flags // maximum sizes may follow; they do not change the data
			haveSpace = true
		case msgDatatype:
			b := c.u8()
			class := b & 0x0F
			bits0 := c.u8()
			c.skip(2)
			size = int(c.u32())
			bigEndian = bits0&1 != 0
			switch class {
			case 0:
				signed = bits0&0x08 != 0
				if size != 1 && size != 2 && size != 4 && size != 8 {
					return nil, fmt.Errorf("integers of %d bytes are not supported", size)
				}
			case 1:
				float = true
				if size != 4 && size != 8 {
					return nil, fmt.Errorf("floats of %d bytes are not supported (float32 or float64)", size)
				}
			default:
				return nil, fmt.Errorf("datatype class %d is not a number (only integer and float datasets are read)", class)
			}
			haveType = true
		case msgFilters:
			return nil, errors.New("it is compressed or filtered, which this reader does not undo")
		case msgLayout:
			layout = m.data
		}
		if c.err != nil {
			return nil, fmt.Errorf("message %#x: %w", m.typ, c.err)
		}
	}
	if !haveSpace || !haveType || layout == nil {
		return nil, errors.New("it lacks a dataspace, datatype or layout message")
	}
	n := uint64(1)
	for _, s := range d.Shape {
		n *= uint64(s)
		if n > uint64(len(r.b)) {
			return nil, fmt.Errorf("its shape %v holds more values than the file has bytes", d.Shape)
		}
	}
	need := n * uint64(size)
	c := r.over(layout)
	var raw []byte
	switch v := c.u8(); v {
	case 3, 4:
		switch class := c.u8(); class {
		case 0: // compact: the values are in the message
			k := int(c.u16())
			raw = c.take(k)
		case 1:
			addr, k := c.off(), c.length()
			if c.err != nil {
				return nil, c.err
			}
			if addr == undefined {
				raw = make([]byte, need) // never written: the fill value, 0
				break
			}
			a, err := r.addr(addr)
			if err != nil || k > uint64(len(r.b))-a {
				return nil, fmt.Errorf("its values at %d (%d bytes) are outside the file", addr, k)
			}
			raw = r.b[a : a+k]
		case 2:
			return nil, errors.New("it is chunked, which this reader does not read (Keras writes contiguous datasets)")
		default:
			return nil, fmt.Errorf("layout class %d is not known", class)
		}
	default:
		return nil, fmt.Errorf("layout message version %d is not 3 or 4", v)
	}
	if c.err != nil {
		return nil, c.err
	}
	if uint64(len(raw)) != need {
		return nil, fmt.Errorf("it holds %d bytes, but %d values of %d bytes need %d", len(raw), n, size, need)
	}
	d.Data = make([]float32, n)
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	for i := range d.Data {
		b := raw[i*size : (i+1)*size]
		switch {
		case float && size == 4:
			d.Data[i] = math.Float32frombits(bo.Uint32(b))
		case float:
			d.Data[i] = float32(math.Float64frombits(bo.Uint64(b)))
		default:
			var u uint64
			switch size {
			case 1:
				u = uint64(b[0])
			case 2:
				u = uint64(bo.Uint16(b))
			case 4:
				u = uint64(bo.Uint32(b))
			case 8:
				u = bo.Uint64(b)
			}
			if signed {
				shift := 64 - 8*size
				d.Data[i] = float32(int64(u<<shift) >> shift)
			} else {
				d.Data[i] = float32(u)
			}
		}
	}
	return d, nil
}
