package main

import (
	"math"
	"strings"
	"testing"

	"nnlab/datasets"
	"nnlab/lab"
	"nnlab/modelfile"
)

// The pair plot's data: the 342 rows with all four measurements, groups in
// the file's order (seaborn's hue order), and diagonal densities that, as
// seaborn's common_norm, integrate to each group's share of the rows.
func TestPenguinsPairPlot(t *testing.T) {
	p, err := datasets.LoadPenguins("")
	if err != nil {
		t.Skipf("no penguins data here: %v", err)
	}
	pp, err := NewPairPlot(p, "species")
	if err != nil {
		t.Fatal(err)
	}
	if len(pp.Group) != 342 || len(pp.Cols) != 4 || len(pp.Cols[0]) != 342 || strings.Join(pp.Groups, ",") != "Adelie,Gentoo,Chinstrap" {
		t.Fatalf("%d rows, %d columns, groups %v", len(pp.Group), len(pp.Cols), pp.Groups)
	}
	shares := []float64{151.0 / 342, 123.0 / 342, 68.0 / 342}
	for m := range pp.Names {
		step := (pp.Hi[m] - pp.Lo[m]) / (kdePoints - 1)
		for g, d := range pp.KDE[m] {
			area := 0.0
			for i := 1; i < len(d); i++ {
				area += (d[i] + d[i-1]) / 2 * step
			}
			if math.Abs(area-shares[g]) > 0.01 {
				t.Errorf("%s, %s: density integrates to %.4f, want its share %.4f", pp.Names[m], pp.Groups[g], area, shares[g])
			}
		}
	}
	sex, err := NewPairPlot(p, "sex")
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, g := range sex.Group {
		if g < 0 {
			missing++
		}
	}
	if strings.Join(sex.Groups, ",") != "male,female" || missing != 9 {
		t.Errorf("by sex: groups %v, %d rows without a sex (want 9 of the 342)", sex.Groups, missing)
	}
	if _, err := NewPairPlot(p, "colour"); err == nil {
		t.Error("an unknown hue column was accepted")
	}
}

// The tables the lesson page shows: the head with the NaN row, the one-hot
// head, the dropped rows.
func TestPenguinsTables(t *testing.T) {
	d, err := lab.LoadPenguinsData(lab.PenguinsConfig{})
	if err != nil {
		t.Skipf("no penguins data here: %v", err)
	}
	head := penguinsHead(d.Penguins, 5)
	if len(head) != 6 || head[0][1] != "species" || strings.Join(head[4], ",") != "3,Adelie,Torgersen,NaN,NaN,NaN,NaN,NaN,2007" {
		t.Errorf("head: %v", head)
	}
	dum := penguinsDummiesHead(d.Prepared, 5)
	if strings.Join(dum[0], ",") != ",Adelie,Chinstrap,Gentoo" || strings.Join(dum[4], ",") != "4,True,False,False" {
		t.Errorf("dummies head: %v", dum)
	}
	if got := penguinsDroppedText(d.Prepared); got != "2 rows (index 3, 271: no measurements)" {
		t.Errorf("dropped: %q", got)
	}
}

// A loaded model is tested on the penguins of the split its file names:
// the page's own split when it names none or the lesson's, another split
// prepared from the same file, and other species are an error.
func TestPenguinsLoadedData(t *testing.T) {
	p, err := datasets.LoadPenguins("")
	if err != nil {
		t.Skipf("no penguins data here: %v", err)
	}
	d, err := lab.PreparePenguins(p, lab.PenguinsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*modelfile.Lesson{nil, {Name: "penguins"}, {Name: "penguins", TestSize: 0.2, Features: datasets.PenguinsMeasurements}} {
		if got, err := penguinsLoadedData(d, l); err != nil || got != d {
			t.Errorf("lesson %+v: %v, the page's split %v", l, err, got == d)
		}
	}
	got, err := penguinsLoadedData(d, &modelfile.Lesson{Name: "penguins", TestSize: 0.3, SplitSeed: 7})
	if err != nil || got.Split.XTest.Rows != 103 || got.Split.XTest.Data[0] == d.Split.XTest.Data[0] && got.Split.XTest.Data[1] == d.Split.XTest.Data[1] {
		t.Errorf("test_size=0.3, random_state=7: %v, %d test penguins", err, got.Split.XTest.Rows)
	}
	if _, err := penguinsLoadedData(d, &modelfile.Lesson{Name: "penguins", Classes: []string{"Gentoo", "Adelie", "Chinstrap"}}); err == nil || !strings.Contains(err.Error(), "species") {
		t.Errorf("other species: %v", err)
	}
}
