package datasets

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The penguins data: the palmerpenguins R package's extdata/penguins.csv.
// The workshop's episode loads seaborn's copy, which has the same rows
// without "year" and with empty cells for missing values; [ParsePenguins]
// reads both by column name.
const (
	PenguinsFile   = "penguins.csv"
	PenguinsURL    = "https://raw.githubusercontent.com/allisonhorst/palmerpenguins/main/inst/extdata/penguins.csv"
	PenguinsSHA256 = "f204db2c753b0937caac3cb35258562c14f073e4bbc76be24b4c51ce22767a93"
)

// PenguinsMeasurements are the four numeric features of the lesson, in its order.
var PenguinsMeasurements = []string{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}

// penguinsNumeric are the columns parsed as numbers; every other column is text.
var penguinsNumeric = append(slices.Clone(PenguinsMeasurements), "year")

// PenguinsMaxBytes is the largest penguins CSV read: the file has 15 KB, so
// 16 MB leaves room for larger exports and bounds what a wrong file can take.
const PenguinsMaxBytes = 16 << 20

// naValues are pandas.read_csv's default missing-value strings (its
// STR_NA_VALUES): "NA" in the R package's file, "" in seaborn's.
var naValues = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// Penguins is the penguins CSV as pandas.read_csv reads it: the columns in
// file order, numbers for the measurements and year (NaN when missing),
// text for the rest ("" when missing).
type Penguins struct {
	Path    string
	Columns []string
	// Index holds the pandas index of each row: its row number in the file
	// (0 for the first data line), kept by [Penguins.DropNA].
	Index []int
	num   map[string][]float64
	text  map[string][]string
}

// PenguinsPath locates penguins.csv with [Find]; if it is nowhere and
// downloads are allowed it fetches the palmerpenguins file into
// [CacheDir], verifying its SHA-256.
func PenguinsPath(explicit string) (string, error) {
	return findOrFetch(PenguinsFile, explicit, PenguinsURL, 2*time.Minute, func(ctx context.Context, cache string) error {
		return Fetch(ctx, PenguinsURL, filepath.Join(cache, PenguinsFile), SHA256(PenguinsSHA256))
	})
}

// LoadPenguins reads the penguins CSV at path; "" or a folder means
// [PenguinsPath] (find it, or download it if allowed). Anything but a
// regular file is refused, and so is a file over [PenguinsMaxBytes].
func LoadPenguins(path string) (*Penguins, error) {
	if st, err := os.Stat(path); path == "" || err == nil && st.IsDir() {
		p, err := PenguinsPath(path)
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
		return nil, fmt.Errorf("datasets: %s is %s, not a file: the penguins CSV (%s) or a folder holding it was expected", path, fileKind(st.Mode()), PenguinsFile)
	}
	return ParsePenguins(f, path)
}

// ParsePenguins parses a penguins CSV from r; name is used in messages and
// stored in Path. The header must name species and the four
// [PenguinsMeasurements] (other columns are kept: island, sex, year);
// names must be unique. A measurement is a number or missing (NA, an empty
// cell or another of pandas' missing-value strings). Errors name the file,
// the 1-based line (the header is line 1), the column and the fix.
func ParsePenguins(r io.Reader, name string) (*Penguins, error) {
	raw, err := io.ReadAll(io.LimitReader(r, PenguinsMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("datasets: reading %s: %w", name, err)
	}
	if len(raw) > PenguinsMaxBytes {
		return nil, fmt.Errorf("datasets: %s has more than the %d bytes the penguins loader reads (the lesson's CSV has 15 KB): not the penguins CSV?", name, PenguinsMaxBytes)
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1 // ragged rows are reported below, with the column name
	header, seen, err := readHeader(cr, name)
	if err != nil {
		return nil, err
	}
	for _, req := range append([]string{"species"}, PenguinsMeasurements...) {
		if _, ok := seen[req]; !ok {
			hint := ""
			if c := closeNames(req, header); len(c) > 0 {
				hint = fmt.Sprintf("; did you mean %s?", strings.Join(c, ", "))
			}
			return nil, fmt.Errorf("datasets: %s line 1, column %s: missing column (the penguins CSV needs species, %s; header has %s)%s",
				name, req, strings.Join(PenguinsMeasurements, ", "), abbreviate(header, 8), hint)
		}
	}

	p := &Penguins{Path: name, Columns: header, num: map[string][]float64{}, text: map[string][]string{}}
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < len(header) {
			return nil, fmt.Errorf("datasets: %s line %d, column %s: missing (the row has %d fields, the header %d; write NA for a missing value)",
				name, line, header[len(rec)], len(rec), len(header))
		}
		if len(rec) > len(header) {
			return nil, fmt.Errorf("datasets: %s line %d: %d fields but the header has %d columns (extra fields after column %s)",
				name, line, len(rec), len(header), header[len(header)-1])
		}
		for i, cell := range rec {
			col := header[i]
			s := strings.TrimSpace(cell)
			if !slices.Contains(penguinsNumeric, col) {
				if naValues[s] {
					s = ""
				}
				p.text[col] = append(p.text[col], s)
				continue
			}
			v := math.NaN()
			if !naValues[s] {
				v, err = strconv.ParseFloat(s, 64)
				if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(v, 0) || math.IsNaN(v) {
					return nil, fmt.Errorf("datasets: %s line %d, column %s: %q is not a number (write a number, or NA or an empty cell for a missing value)",
						name, line, col, cell)
				}
			}
			p.num[col] = append(p.num[col], v)
		}
		p.Index = append(p.Index, row)
	}
	if len(p.Index) == 0 {
		return nil, fmt.Errorf("datasets: %s has a header but no data rows", name)
	}
	return p, nil
}

// Rows is the number of rows (the header is not counted).
func (p *Penguins) Rows() int { return len(p.Index) }

// IsNumeric reports whether column col holds numbers.
func (p *Penguins) IsNumeric(col string) bool { _, ok := p.num[col]; return ok }

func (p *Penguins) check(col string) error {
	if slices.Contains(p.Columns, col) {
		return nil
	}
	return noColumnError(p.Path, col, p.Columns)
}

// Missing reports whether row i of column col is missing (pandas isna).
func (p *Penguins) Missing(i int, col string) bool {
	if v, ok := p.num[col]; ok {
		return math.IsNaN(v[i])
	}
	return p.text[col][i] == ""
}

// Cell is row i of column col as pandas prints it: NaN when missing,
// numbers in their shortest form, with ".0" in a float column (181.0 in
// flipper_length_mm, which has NaNs; 2007 in year, which pandas reads as int64).
func (p *Penguins) Cell(i int, col string) string {
	if p.Missing(i, col) {
		return "NaN"
	}
	if v, ok := p.num[col]; ok {
		s := strconv.FormatFloat(v[i], 'f', -1, 64)
		if !strings.Contains(s, ".") && !integral(v) {
			s += ".0"
		}
		return s
	}
	return p.text[col][i]
}

// integral reports whether pandas reads the column as int64 (it prints
// 2007, not 2007.0): no value missing and every value whole.
func integral(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || x != math.Trunc(x) {
			return false
		}
	}
	return true
}

// Numbers returns a copy of numeric column col (NaN where missing).
func (p *Penguins) Numbers(col string) ([]float64, error) {
	if err := p.check(col); err != nil {
		return nil, err
	}
	v, ok := p.num[col]
	if !ok {
		return nil, fmt.Errorf("datasets: %s: column %s holds text, not numbers (numeric columns: %s)", p.Path, col, strings.Join(p.numericColumns(), ", "))
	}
	return slices.Clone(v), nil
}

// Text returns a copy of text column col ("" where missing).
func (p *Penguins) Text(col string) ([]string, error) {
	if err := p.check(col); err != nil {
		return nil, err
	}
	v, ok := p.text[col]
	if !ok {
		return nil, fmt.Errorf("datasets: %s: column %s holds numbers, not text", p.Path, col)
	}
	return slices.Clone(v), nil
}

func (p *Penguins) numericColumns() []string {
	var out []string
	for _, c := range p.Columns {
		if p.IsNumeric(c) {
			out = append(out, c)
		}
	}
	return out
}

// DropNA returns the rows with no missing value in cols (all columns if
// none are given): pandas df[cols].dropna() / df.dropna(subset=cols). The
// rows keep their [Penguins.Index].
func (p *Penguins) DropNA(cols ...string) (*Penguins, error) {
	if len(cols) == 0 {
		cols = p.Columns
	}
	for _, c := range cols {
		if err := p.check(c); err != nil {
			return nil, err
		}
	}
	var keep []int
	for i := range p.Index {
		if !slices.ContainsFunc(cols, func(c string) bool { return p.Missing(i, c) }) {
			keep = append(keep, i)
		}
	}
	return p.take(keep), nil
}

// take returns rows keep of p, in that order.
func (p *Penguins) take(keep []int) *Penguins {
	out := &Penguins{Path: p.Path, Columns: p.Columns, num: map[string][]float64{}, text: map[string][]string{}}
	for _, i := range keep {
		out.Index = append(out.Index, p.Index[i])
	}
	for c, v := range p.num {
		w := make([]float64, len(keep))
		for k, i := range keep {
			w[k] = v[i]
		}
		out.num[c] = w
	}
	for c, v := range p.text {
		w := make([]string, len(keep))
		for k, i := range keep {
			w[k] = v[i]
		}
		out.text[c] = w
	}
	return out
}

// ValueCount is one line of pandas value_counts.
type ValueCount struct {
	Value string
	Count int
}

// ValueCounts counts the values of text column col, missing ones left out,
// sorted by count (largest first) then by value, as value_counts() prints them.
func (p *Penguins) ValueCounts(col string) ([]ValueCount, error) {
	vals, err := p.Text(col)
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, v := range vals {
		if v != "" {
			m[v]++
		}
	}
	var out []ValueCount
	for v, n := range m {
		out = append(out, ValueCount{v, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out, nil
}

// Matrix copies the numeric columns cols into a float32 matrix. A missing
// value is an error naming the row (drop the rows first, see [Penguins.DropNA]).
func (p *Penguins) Matrix(cols []string) (*Matrix, error) {
	vals := make([][]float64, len(cols))
	for k, c := range cols {
		v, err := p.Numbers(c)
		if err != nil {
			return nil, err
		}
		vals[k] = v
	}
	m := &Matrix{Rows: p.Rows(), Cols: len(cols), Names: slices.Clone(cols), Data: make([]float32, p.Rows()*len(cols))}
	for i := range p.Index {
		for k, v := range vals {
			if math.IsNaN(v[i]) {
				return nil, fmt.Errorf("datasets: %s row %d (line %d), column %s: missing value; drop the rows with missing values first (dropna)",
					p.Path, p.Index[i], p.Index[i]+2, cols[k])
			}
			m.Data[i*m.Cols+k] = float32(v[i])
		}
	}
	return m, nil
}

// GetDummies one-hot encodes values as pandas get_dummies(series) does: one
// column per distinct value, in sorted order (Adelie, Chinstrap, Gentoo),
// named after it. labels[i] is the column that is 1 in row i. A missing
// value ("") is an error: get_dummies would give it an all-zero row, which
// categorical cross-entropy cannot learn from.
func GetDummies(values []string) (Y *Matrix, labels []int, err error) {
	cats := slices.Clone(values)
	slices.Sort(cats)
	cats = slices.Compact(cats)
	if len(cats) > 0 && cats[0] == "" {
		i := slices.Index(values, "")
		return nil, nil, fmt.Errorf("datasets: get_dummies: value %d is missing; drop the rows with missing values first (dropna)", i)
	}
	Y = &Matrix{Rows: len(values), Cols: len(cats), Names: cats, Data: make([]float32, len(values)*len(cats))}
	labels = make([]int, len(values))
	for i, v := range values {
		c, _ := slices.BinarySearch(cats, v)
		labels[i] = c
		Y.Data[i*Y.Cols+c] = 1
	}
	return Y, labels, nil
}

// PenguinsData is the lesson's prepared data: features, the one-hot target,
// and how each row maps back to the file.
type PenguinsData struct {
	X       *Matrix  // the measurements, rows with a missing value dropped
	Y       *Matrix  // get_dummies(species): columns Classes
	Labels  []int    // Labels[i] is the species of row i, an index into Classes
	Classes []string // sorted species names
	Index   []int    // the file row (pandas index) of each row
	Dropped []int    // file rows dropped for a missing value
}

// Prepare builds the lesson's features and target:
//
//	penguins_filtered = penguins.drop(columns=['island', 'sex']).dropna()
//	features = penguins_filtered.drop(columns=['species'])
//	target = pd.get_dummies(penguins_filtered['species'])
//
// features are the numeric columns to use (nil: [PenguinsMeasurements]); a
// row is dropped when species or any of them is missing.
func (p *Penguins) Prepare(features []string) (*PenguinsData, error) {
	if len(features) == 0 {
		features = PenguinsMeasurements
	}
	f, err := p.DropNA(append([]string{"species"}, features...)...)
	if err != nil {
		return nil, err
	}
	if f.Rows() == 0 {
		return nil, fmt.Errorf("datasets: %s: every row misses species or one of %s", p.Path, strings.Join(features, ", "))
	}
	X, err := f.Matrix(features)
	if err != nil {
		return nil, err
	}
	Y, labels, err := GetDummies(f.text["species"])
	if err != nil {
		return nil, err
	}
	d := &PenguinsData{X: X, Y: Y, Labels: labels, Classes: Y.Names, Index: f.Index}
	for _, i := range p.Index {
		if !slices.Contains(f.Index, i) {
			d.Dropped = append(d.Dropped, i)
		}
	}
	return d, nil
}

// Split is the lesson's
//
//	train_test_split(features, target, test_size=testSize, random_state=seed, shuffle=True, stratify=target)
//
// (0.2 and 0 in the lesson: 273 training and 69 test penguins), stratified
// on the one-hot target as the lesson passes it (see [OneHotStrata]).
// The validation fields of the result are empty.
func (d *PenguinsData) Split(testSize float64, seed uint32) (Split, error) {
	tr, te, err := StratifiedTrainTestSplit(OneHotStrata(d.Labels, len(d.Classes)), testSize, seed)
	if err != nil {
		return Split{}, err
	}
	return Split{
		XTrain: d.X.Take(tr), YTrain: d.Y.Take(tr),
		XTest: d.X.Take(te), YTest: d.Y.Take(te),
		TrainIdx: tr, TestIdx: te,
	}, nil
}
