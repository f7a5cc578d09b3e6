package datasets

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// splitFixture is testdata/penguins_split.json, written by
// testdata/penguins_split.py with Debian's python3-sklearn 1.2.1 and numpy 1.24.2.
type splitFixture struct {
	Sklearn, Numpy string
	Rows           int
	Species        []string
	KeptRows       []int `json:"kept_rows"`
	Cases          []struct {
		Name, Stratify string
		TestSize       float64 `json:"test_size"`
		RandomState    uint32  `json:"random_state"`
		Y, Train, Test []int
	}
}

func loadSplitFixture(t *testing.T) *splitFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/penguins_split.json")
	if err != nil {
		t.Fatal(err)
	}
	var f splitFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("penguins_split.json has no cases")
	}
	return &f
}

// TestStratifiedSplitSklearn checks every case of the fixture index for
// index: the penguins (stratified on the one-hot target and on the species
// names, three sizes and seeds) and small label vectors whose class shares
// tie, so that _approximate_mode draws.
func TestStratifiedSplitSklearn(t *testing.T) {
	f := loadSplitFixture(t)
	for _, c := range f.Cases {
		y := c.Y
		if c.Stratify == "onehot" {
			y = OneHotStrata(c.Y, slices.Max(c.Y)+1)
		}
		tr, te, err := StratifiedTrainTestSplit(y, c.TestSize, c.RandomState)
		if err != nil {
			t.Fatalf("%s test_size=%v random_state=%d: %v", c.Name, c.TestSize, c.RandomState, err)
		}
		if !slices.Equal(tr, c.Train) || !slices.Equal(te, c.Test) {
			t.Errorf("%s (%s) test_size=%v random_state=%d:\n train %v\n want  %v\n test  %v\n want  %v",
				c.Name, c.Stratify, c.TestSize, c.RandomState, tr, c.Train, te, c.Test)
		}
	}
}

func TestStratifiedSplitErrors(t *testing.T) {
	y := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 2}
	for _, c := range []struct {
		y     []int
		size  float64
		parts []string
	}{
		{y, 0, []string{"test_size=0", "between 0 and 1"}},
		{y, 1, []string{"test_size=1"}},
		{[]int{0, 0, 0, 1}, 0.5, []string{"class 1 has only 1 member", "at least 2"}},
		{y, 0.1, []string{"test set would have 1 samples", "3 classes", "larger test_size"}},
		{y, 0.85, []string{"training set would have 1 samples", "smaller test_size"}},
	} {
		_, _, err := StratifiedTrainTestSplit(c.y, c.size, 0)
		wantErr(t, err, c.parts...)
	}
}

// TestPenguinsLesson: the lesson's numbers on the real file: 344 rows, 342
// after dropna (file rows 3 and 271 dropped), get_dummies in species
// order, and the 273/69 split with 30/14/25 test penguins, index for index.
func TestPenguinsLesson(t *testing.T) {
	p, err := LoadPenguins("")
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows() != 344 {
		t.Errorf("rows = %d, want 344", p.Rows())
	}
	d, err := p.Prepare(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := loadSplitFixture(t)
	if d.X.Rows != 342 || !slices.Equal(d.Index, f.KeptRows) {
		t.Errorf("after dropna: %d rows, want 342 (the fixture's kept_rows)", d.X.Rows)
	}
	if !slices.Equal(d.Dropped, []int{3, 271}) {
		t.Errorf("dropped rows %v, want [3 271]", d.Dropped)
	}
	if !slices.Equal(d.Classes, []string{"Adelie", "Chinstrap", "Gentoo"}) || !slices.Equal(d.Y.Names, d.Classes) {
		t.Errorf("classes %v, columns %v; want Adelie, Chinstrap, Gentoo", d.Classes, d.Y.Names)
	}
	if !slices.Equal(d.X.Names, PenguinsMeasurements) {
		t.Errorf("features %v", d.X.Names)
	}
	if got := d.X.Row(0); got[0] != 39.1 || got[1] != 18.7 || got[2] != 181 || got[3] != 3750 {
		t.Errorf("first row %v, want [39.1 18.7 181 3750]", got)
	}
	s, err := d.Split(0.2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.XTrain.Rows != 273 || s.XTest.Rows != 69 || s.YTest.Cols != 3 {
		t.Fatalf("split %d/%d, want 273/69", s.XTrain.Rows, s.XTest.Rows)
	}
	counts := make([]int, 3)
	for i := range s.YTest.Rows {
		for c, v := range s.YTest.Row(i) {
			if v == 1 {
				counts[c]++
			}
		}
	}
	if !slices.Equal(counts, []int{30, 14, 25}) {
		t.Errorf("test species counts %v, want [30 14 25]", counts)
	}
	for _, c := range f.Cases {
		if c.Stratify != "onehot" {
			continue
		}
		if !slices.Equal(c.Y, d.Labels) {
			t.Fatalf("the fixture's labels differ from the file's species")
		}
		s, err := d.Split(c.TestSize, c.RandomState)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.TrainIdx, c.Train) || !slices.Equal(s.TestIdx, c.Test) {
			t.Errorf("Split(%v, %d) differs from scikit-learn's", c.TestSize, c.RandomState)
		}
	}
}

// The two layouts of the same rows: the R package's (NA, lower-case sex,
// year) and seaborn's (empty cells, capitalised sex, no year).
const (
	penguinsR = `species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year
Adelie,Torgersen,39.1,18.7,181,3750,male,2007
Adelie,Torgersen,39.5,17.4,186,3800,female,2007
Adelie,Torgersen,40.3,18,195,3250,female,2007
Adelie,Torgersen,NA,NA,NA,NA,NA,2007
Gentoo,Biscoe,46.1,13.2,211,4500,female,2007
Chinstrap,Dream,46.5,17.9,192,3500,NA,2007
`
	penguinsSeaborn = `species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex
Adelie,Torgersen,39.1,18.7,181.0,3750.0,Male
Adelie,Torgersen,39.5,17.4,186.0,3800.0,Female
Adelie,Torgersen,40.3,18.0,195.0,3250.0,Female
Adelie,Torgersen,,,,,
Gentoo,Biscoe,46.1,13.2,211.0,4500.0,Female
Chinstrap,Dream,46.5,17.9,192.0,3500.0,
`
)

func TestPenguinsLayouts(t *testing.T) {
	var prepared []*PenguinsData
	for _, src := range []string{penguinsR, penguinsSeaborn} {
		p, err := ParsePenguins(strings.NewReader(src), "penguins.csv")
		if err != nil {
			t.Fatal(err)
		}
		if p.Rows() != 6 || !p.Missing(3, "bill_length_mm") || !p.Missing(3, "sex") || !p.Missing(5, "sex") || p.Missing(0, "sex") {
			t.Errorf("rows %d, missing cells wrong", p.Rows())
		}
		if got := p.Cell(3, "body_mass_g") + " " + p.Cell(0, "flipper_length_mm") + " " + p.Cell(0, "island"); got != "NaN 181.0 Torgersen" {
			t.Errorf("cells print %q, want pandas's \"NaN 181.0 Torgersen\"", got)
		}
		if p.IsNumeric("year") && p.Cell(0, "year") != "2007" {
			t.Errorf("year prints %q, want pandas's int64 2007", p.Cell(0, "year"))
		}
		d, err := p.Prepare(nil)
		if err != nil {
			t.Fatal(err)
		}
		// dropna over species and the measurements only: row 5 (no sex) stays.
		if !slices.Equal(d.Index, []int{0, 1, 2, 4, 5}) || !slices.Equal(d.Labels, []int{0, 0, 0, 2, 1}) {
			t.Errorf("kept rows %v labels %v", d.Index, d.Labels)
		}
		prepared = append(prepared, d)
	}
	if !slices.Equal(prepared[0].X.Data, prepared[1].X.Data) || !slices.Equal(prepared[0].Y.Data, prepared[1].Y.Data) {
		t.Error("the two layouts give different features or targets")
	}
	p, _ := ParsePenguins(strings.NewReader(penguinsR), "penguins.csv")
	all, err := p.DropNA()
	if err != nil || all.Rows() != 4 {
		t.Errorf("DropNA() over all columns: %d rows (%v), want 4", all.Rows(), err)
	}
	vc, err := p.ValueCounts("species")
	if err != nil || len(vc) != 3 || vc[0] != (ValueCount{"Adelie", 4}) || vc[1] != (ValueCount{"Chinstrap", 1}) {
		t.Errorf("value counts %v (%v)", vc, err)
	}
}

func TestGetDummies(t *testing.T) {
	Y, labels, err := GetDummies([]string{"Gentoo", "Adelie", "Chinstrap", "Gentoo"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(Y.Names, []string{"Adelie", "Chinstrap", "Gentoo"}) || !slices.Equal(labels, []int{2, 0, 1, 2}) ||
		!slices.Equal(Y.Data, []float32{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}) {
		t.Errorf("get_dummies: columns %v labels %v data %v", Y.Names, labels, Y.Data)
	}
	_, _, err = GetDummies([]string{"Adelie", ""})
	wantErr(t, err, "value 1 is missing", "dropna")
}

func TestPenguinsErrors(t *testing.T) {
	const h = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n"
	for _, c := range []struct {
		src   string
		parts []string
	}{
		{"", []string{"p.csv is empty"}},
		{h, []string{"header but no data rows"}},
		{"species,island,bill_length,bill_depth_mm,flipper_length_mm,body_mass_g\n", []string{"p.csv line 1, column bill_length_mm: missing column", "did you mean bill_length"}},
		{"species,bill_length_mm,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n", []string{"line 1, column bill_length_mm: duplicate column name (columns 2 and 3)"}},
		{h + "Adelie,Torgersen,39.1,18.7,181,3750,male\nAdelie,Torgersen,39.5,abc,186,3800,female\n", []string{"p.csv line 3, column bill_depth_mm: \"abc\" is not a number", "NA or an empty cell"}},
		{h + "Adelie,Torgersen,39.1,18.7\n", []string{"line 2, column flipper_length_mm: missing (the row has 4 fields, the header 7"}},
		{h + "Adelie,Torgersen,39.1,18.7,181,3750,male,2007\n", []string{"line 2: 8 fields but the header has 7", "after column sex"}},
		{h + "Adelie,\"Torgersen,39.1\n", []string{"p.csv line 2"}},
	} {
		_, err := ParsePenguins(strings.NewReader(c.src), "p.csv")
		wantErr(t, err, c.parts...)
	}
	p, _ := ParsePenguins(strings.NewReader(penguinsR), "p.csv")
	_, err := p.Matrix(PenguinsMeasurements)
	wantErr(t, err, "p.csv row 3 (line 5), column bill_length_mm: missing value", "dropna")
	_, err = p.Matrix([]string{"island"})
	wantErr(t, err, "column island holds text")
	_, err = p.Prepare([]string{"flipper_lenght_mm"})
	wantErr(t, err, "no column \"flipper_lenght_mm\"", "did you mean flipper_length_mm")
	_, err = LoadPenguins(os.DevNull)
	wantErr(t, err, "is a device, not a file", PenguinsFile)
}

func TestPenguinsFound(t *testing.T) {
	p, err := PenguinsPath("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, "shared/data/"+PenguinsFile) {
		t.Errorf("found %s, want shared/data/%s", p, PenguinsFile)
	}
	if !strings.Contains(howToGet(PenguinsFile), PenguinsURL) {
		t.Errorf("the not-found message does not say where to download penguins.csv")
	}
}
