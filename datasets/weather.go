package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// WeatherVariables are the 9 measured quantities of the weather data set;
// feature columns are named STATION_variable (e.g. DE_BILT_temp_mean).
var WeatherVariables = []string{
	"cloud_cover", "humidity", "pressure", "global_radiation", "precipitation",
	"sunshine", "temp_mean", "temp_min", "temp_max",
}

// Weather is the weather prediction CSV as read by pandas.read_csv: every
// column is numeric, rows keep file order (row i is pandas index i).
type Weather struct {
	Path    string      // the file, or the name given to ParseWeather
	Columns []string    // header, in file order (DATE, MONTH, then the features)
	Data    [][]float64 // Data[row][col]
}

// LoadWeather reads the weather CSV at path; "" means [WeatherPath]("")
// (find it, or download it if allowed).
// A folder is searched for the CSV (as [Find] does); anything but a folder
// or a regular file (a device such as /dev/zero, a pipe) is refused, and a
// file over [WeatherMaxBytes] is refused before it is read.
func LoadWeather(path string) (*Weather, error) {
	if st, err := os.Stat(path); path == "" || err == nil && st.IsDir() {
		p, err := WeatherPath(path)
		if err != nil {
			return nil, err
		}
		path = p
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("datasets: %s is %s, not a file: the weather CSV (%s) or a folder holding it was expected", path, fileKind(st.Mode()), WeatherFile)
	}
	if st.Size() > WeatherMaxBytes {
		return nil, weatherTooLarge(path, st.Size())
	}
	return ParseWeather(f, path)
}

// WeatherMaxBytes is the largest CSV the weather loaders read: the
// lesson's file has 1.5 MB (the full dataset about 4 MB), so 64 MB leaves
// room for larger exports and bounds what a wrong file can take.
const WeatherMaxBytes = 64 << 20

// tooLargeError is a file over its loader's cap.
type tooLargeError struct{ msg string }

func (e *tooLargeError) Error() string { return e.msg }

// weatherTooLarge says that name has size bytes (-1: more than the cap).
func weatherTooLarge(name string, size int64) error {
	what := fmt.Sprintf("%d bytes, more", size)
	if size < 0 {
		what = "more bytes"
	}
	return &tooLargeError{fmt.Sprintf("datasets: %s has %s than the %d the weather loader reads (the lesson's CSV has 1.5 MB): not the weather CSV?", name, what, WeatherMaxBytes)}
}

// cappedReader reads at most n bytes of r, and fails past them (not a
// silent EOF, which would make a cut file look whole).
type cappedReader struct {
	r    io.Reader
	n    int64
	name string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		// One byte more tells a file of exactly n bytes from a longer one.
		var one [1]byte
		if k, err := c.r.Read(one[:]); k > 0 {
			return 0, weatherTooLarge(c.name, -1)
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	k, err := c.r.Read(p)
	c.n -= int64(k)
	return k, err
}

// ParseWeather parses the weather CSV from r; name is used in messages and
// stored in Path. The header must name DATE and MONTH, column names must be
// unique and non-empty, and every cell of every row must be a finite number.
// Errors name the file, the 1-based line (the header is line 1) and the column.
func ParseWeather(r io.Reader, name string) (*Weather, error) {
	cr := csv.NewReader(&cappedReader{r: r, n: WeatherMaxBytes, name: name})
	cr.FieldsPerRecord = -1 // ragged rows are reported below, with the column name
	header, seen, err := readHeader(cr, name)
	if err != nil {
		return nil, err
	}
	for _, req := range []string{"DATE", "MONTH"} {
		if _, ok := seen[req]; !ok {
			return nil, fmt.Errorf("datasets: %s line 1, column %s: missing column (header has %d columns: %s)",
				name, req, len(header), abbreviate(header, 6))
		}
	}

	w := &Weather{Path: name, Columns: header}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < len(header) {
			return nil, fmt.Errorf("datasets: %s line %d, column %s: missing (the row has %d fields, the header %d)",
				name, line, header[len(rec)], len(rec), len(header))
		}
		if len(rec) > len(header) {
			return nil, fmt.Errorf("datasets: %s line %d: %d fields but the header has %d columns (extra fields after column %s)",
				name, line, len(rec), len(header), header[len(header)-1])
		}
		row := make([]float64, len(rec))
		for i, cell := range rec {
			s := strings.TrimSpace(cell)
			if s == "" {
				return nil, fmt.Errorf("datasets: %s line %d, column %s: empty cell", name, line, header[i])
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("datasets: %s line %d, column %s: %q is not a number", name, line, header[i], cell)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("datasets: %s line %d, column %s: %q is not a finite number", name, line, header[i], cell)
			}
			row[i] = v
		}
		w.Data = append(w.Data, row)
	}
	if len(w.Data) == 0 {
		return nil, fmt.Errorf("datasets: %s has a header but no data rows", name)
	}
	return w, nil
}

// csvError rewords an encoding/csv error (bad quoting) with the file name.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	var big *tooLargeError
	if errors.As(err, &big) {
		return big
	}
	if errors.As(err, &pe) {
		return fmt.Errorf("datasets: %s line %d, field %d: %v", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("datasets: reading %s: %w", name, err)
}

// Rows is the number of data rows (the header is not counted).
func (w *Weather) Rows() int { return len(w.Data) }

// colIndex returns the index of column name, or an error naming it and
// listing similar column names.
func (w *Weather) colIndex(name string) (int, error) {
	if i := slices.Index(w.Columns, name); i >= 0 {
		return i, nil
	}
	return -1, noColumnError(w.Path, name, w.Columns)
}

func noColumnError(file, name string, cols []string) error {
	if c := closeNames(name, cols); len(c) > 0 {
		return fmt.Errorf("datasets: %s has no column %q; did you mean %s?", file, name, strings.Join(c, ", "))
	}
	return fmt.Errorf("datasets: %s has no column %q (columns: %s)", file, name, abbreviate(cols, 8))
}

// Col returns a copy of column name.
func (w *Weather) Col(name string) ([]float64, error) {
	j, err := w.colIndex(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(w.Data))
	for i, row := range w.Data {
		out[i] = row[j]
	}
	return out, nil
}

// Features are all columns except DATE and MONTH, in file order
// (data.drop(columns=['DATE', 'MONTH']) in the lesson).
func (w *Weather) Features() []string {
	var out []string
	for _, c := range w.Columns {
		if c != "DATE" && c != "MONTH" {
			out = append(out, c)
		}
	}
	return out
}

// SplitFeature splits a feature name into station and variable. Stations may
// contain '_' (DE_BILT_temp_mean is DE_BILT + temp_mean), so the known
// [WeatherVariables] suffixes are tried first, then the last '_'.
func SplitFeature(name string) (station, variable string) {
	for _, v := range WeatherVariables {
		if s, ok := strings.CutSuffix(name, "_"+v); ok && s != "" {
			return s, v
		}
	}
	if i := strings.LastIndexByte(name, '_'); i > 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// Stations are the distinct station prefixes of the features, in header order
// (BASEL, DE_BILT, ..., TOURS for the lesson's file).
func (w *Weather) Stations() []string {
	var out []string
	for _, f := range w.Features() {
		if s, _ := SplitFeature(f); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// VariableTypes are the distinct variables of the features, in first-seen order.
func (w *Weather) VariableTypes() []string {
	var out []string
	for _, f := range w.Features() {
		if _, v := SplitFeature(f); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// WeatherOptions choose the lesson's inputs and targets; see [Weather.Prepare].
type WeatherOptions struct {
	// Rows is the lesson's nr_rows; 0 means 365*3. X holds rows 0..Rows
	// inclusive (pandas data.loc[:nr_rows]) and Y rows 1..Rows+1, so there
	// are Rows+1 samples.
	Rows int
	// Station keeps only that station's features ("BASEL": the lesson's
	// [c for c in X_data.columns if c[:5] == 'BASEL']); "" keeps all.
	Station string
	// Targets are the columns to predict, the next day's values; nil means
	// ["BASEL_sunshine"]. The lesson's exercise also adds BASEL_precipitation.
	Targets []string
}

// DefaultRows is the lesson's nr_rows = 365*3.
const DefaultRows = 365 * 3

// Prepare builds the lesson's X_data (today's features, DATE and MONTH
// dropped) and y_data (tomorrow's targets):
//
//	X_data = data.loc[:nr_rows].drop(columns=['DATE', 'MONTH'])
//	y_data = data.loc[1:(nr_rows + 1)]["BASEL_sunshine"]
//
// The target columns stay in X (the baseline uses X_test['BASEL_sunshine']).
func (w *Weather) Prepare(o WeatherOptions) (X, Y *Matrix, err error) {
	rows := o.Rows
	if rows == 0 {
		rows = DefaultRows
	}
	if rows < 0 {
		return nil, nil, fmt.Errorf("datasets: %s: Rows %d is negative", w.Path, rows)
	}
	if rows+1 >= w.Rows() {
		return nil, nil, fmt.Errorf("datasets: %s: Rows %d needs data rows 0..%d but the file has %d (maximum Rows is %d)",
			w.Path, rows, rows+1, w.Rows(), w.Rows()-2)
	}
	feats := w.Features()
	if o.Station != "" {
		stations := w.Stations()
		if !slices.Contains(stations, o.Station) {
			return nil, nil, fmt.Errorf("datasets: %s: unknown station %q (stations: %s)",
				w.Path, o.Station, strings.Join(stations, ", "))
		}
		feats = slices.DeleteFunc(feats, func(f string) bool {
			s, _ := SplitFeature(f)
			return s != o.Station
		})
	}
	targets := o.Targets
	if len(targets) == 0 {
		targets = []string{"BASEL_sunshine"}
	}
	X, err = w.matrix(feats, 0, rows+1)
	if err != nil {
		return nil, nil, err
	}
	Y, err = w.matrix(targets, 1, rows+2)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (target)", err)
	}
	return X, Y, nil
}

// matrix copies columns names of rows [from, to) into a float32 Matrix.
func (w *Weather) matrix(names []string, from, to int) (*Matrix, error) {
	idx := make([]int, len(names))
	for k, n := range names {
		j, err := w.colIndex(n)
		if err != nil {
			return nil, err
		}
		idx[k] = j
	}
	m := &Matrix{Rows: to - from, Cols: len(names), Names: slices.Clone(names), Data: make([]float32, (to-from)*len(names))}
	for i := from; i < to; i++ {
		out := m.Data[(i-from)*m.Cols:]
		for k, j := range idx {
			out[k] = float32(w.Data[i][j])
		}
	}
	return m, nil
}

// abbreviate joins the first n names, saying how many more there are.
func abbreviate(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, ... (%d more)", strings.Join(names[:n], ", "), len(names)-n)
}

// closeNames returns up to 5 of cands that look like name: the same up to
// case, one containing the other, or a small edit distance.
func closeNames(name string, cands []string) []string {
	type scored struct {
		s string
		d int
	}
	ln := strings.ToLower(name)
	var hits []scored
	for _, c := range cands {
		lc := strings.ToLower(c)
		d := editDistance(ln, lc)
		switch {
		case lc == ln:
			d = 0
		case len(ln) >= 3 && (strings.Contains(lc, ln) || strings.Contains(ln, lc)):
			d = min(d, 1)
		}
		if d <= max(2, len(name)/4) {
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	var out []string
	for i := 0; i < len(hits) && i < 5; i++ {
		out = append(out, hits[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// readHeader reads a CSV's header line: names trimmed (and a byte-order mark
// dropped), none empty, none twice. seen maps each name to its column.
func readHeader(cr *csv.Reader, name string) (header []string, seen map[string]int, err error) {
	header, err = cr.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("datasets: %s is empty (no header line)", name)
	}
	if err != nil {
		return nil, nil, csvError(name, err)
	}
	header = slices.Clone(header)
	header[0] = strings.TrimPrefix(header[0], "\ufeff") // byte-order mark, as written by some editors
	seen = make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if h == "" {
			return nil, nil, fmt.Errorf("datasets: %s line 1, column %d: empty column name", name, i+1)
		}
		if j, dup := seen[h]; dup {
			return nil, nil, fmt.Errorf("datasets: %s line 1, column %s: duplicate column name (columns %d and %d)", name, h, j+1, i+1)
		}
		seen[h] = i
	}
	return header, seen, nil
}
