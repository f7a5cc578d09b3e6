package datasets

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestWeatherRealFile(t *testing.T) {
	w := realWeather(t)
	if w.Rows() != 3654 || len(w.Columns) != 91 {
		t.Fatalf("shape %d x %d, want 3654 x 91", w.Rows(), len(w.Columns))
	}
	if w.Columns[0] != "DATE" || w.Columns[1] != "MONTH" || w.Columns[2] != "BASEL_cloud_cover" {
		t.Errorf("first columns %v", w.Columns[:3])
	}
	if f := w.Features(); len(f) != 89 || f[0] != "BASEL_cloud_cover" || f[88] != "TOURS_temp_max" {
		t.Errorf("features: %d, %q .. %q", len(f), f[0], f[len(f)-1])
	}
	wantStations := []string{"BASEL", "DE_BILT", "DRESDEN", "DUSSELDORF", "HEATHROW", "KASSEL",
		"MAASTRICHT", "MALMO", "MUENCHEN", "SONNBLICK", "TOURS"}
	if s := w.Stations(); !slices.Equal(s, wantStations) {
		t.Errorf("Stations() = %v", s)
	}
	if v := w.VariableTypes(); !slices.Equal(v, WeatherVariables) {
		t.Errorf("VariableTypes() = %v", v)
	}
	// Spot values (pandas: data.loc[0, ...], data.loc[3653, 'DATE']).
	if w.Data[0][0] != 20000101 || w.Data[0][3] != 0.89 || w.Data[3653][0] != 20100101 {
		t.Errorf("spot values: %v %v %v", w.Data[0][0], w.Data[0][3], w.Data[3653][0])
	}
	sun, err := w.Col("BASEL_sunshine")
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range sun {
		s += v
	}
	if math.Abs(s-17032) > 1e-6 { // data['BASEL_sunshine'].sum()
		t.Errorf("sum of BASEL_sunshine = %v, want 17032", s)
	}
	_, err = w.Col("BASEL_sunshin")
	wantErr(t, err, `"BASEL_sunshin"`, "BASEL_sunshine")
}

func TestPrepareAndLessonBaseline(t *testing.T) {
	w := realWeather(t)
	X, Y, err := w.Prepare(WeatherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if X.Rows != 1096 || X.Cols != 89 || Y.Rows != 1096 || Y.Cols != 1 || Y.Names[0] != "BASEL_sunshine" {
		t.Fatalf("X %dx%d, Y %dx%d %v", X.Rows, X.Cols, Y.Rows, Y.Cols, Y.Names)
	}
	// y_data[i] is tomorrow's sunshine: X row i+1's BASEL_sunshine.
	xs, _ := X.Col("BASEL_sunshine")
	if Y.Data[0] != xs[1] || Y.Data[1094] != xs[1095] || Y.Data[1095] != 2.5 {
		t.Errorf("Y is not X shifted by one day: %v %v %v", Y.Data[0], Y.Data[1094], Y.Data[1095])
	}
	if r := X.Row(1095); r[0] != 7 || r[1] != 0.77 {
		t.Errorf("X row 1095 starts %v, want 7 0.77", r[:2])
	}

	sp := LessonSplit(X, Y, 0)
	if sp.XTrain.Rows != 767 || sp.XVal.Rows != 164 || sp.XTest.Rows != 165 ||
		sp.YTrain.Rows != 767 || sp.YVal.Rows != 164 || sp.YTest.Rows != 165 {
		t.Fatalf("split sizes %d/%d/%d", sp.XTrain.Rows, sp.XVal.Rows, sp.XTest.Rows)
	}
	if !slices.Equal(sp.XTest.Row(0), X.Row(634)) || sp.YTest.Data[0] != Y.Data[634] {
		t.Error("XTest row 0 is not X row 634")
	}
	// The lesson: y_baseline_prediction = X_test['BASEL_sunshine'] -> "baseline RMSE: 3.88"
	// (sklearn gives 3.877323350410224).
	base, err := sp.XTest.Col("BASEL_sunshine")
	if err != nil {
		t.Fatal(err)
	}
	rmse := RMSE(base, sp.YTest.Data)
	if fmt.Sprintf("%.2f", rmse) != "3.88" || math.Abs(rmse-3.877323350410224) > 1e-6 {
		t.Errorf("baseline RMSE = %v, want 3.8773 (3.88)", rmse)
	}
}

func TestPrepareOptions(t *testing.T) {
	w := realWeather(t)
	X, Y, err := w.Prepare(WeatherOptions{Station: "BASEL", Targets: []string{"BASEL_sunshine", "BASEL_precipitation"}})
	if err != nil {
		t.Fatal(err)
	}
	if X.Cols != 9 || Y.Cols != 2 || X.Rows != 1096 {
		t.Errorf("BASEL: X %dx%d Y %dx%d", X.Rows, X.Cols, Y.Rows, Y.Cols)
	}
	for _, n := range X.Names {
		if !strings.HasPrefix(n, "BASEL_") {
			t.Errorf("station BASEL kept %q", n)
		}
	}
	// DE_BILT contains '_' and must not swallow or lose columns.
	X, _, err = w.Prepare(WeatherOptions{Rows: 10, Station: "DE_BILT"})
	if err != nil || X.Cols != 9 || X.Rows != 11 || X.Names[0] != "DE_BILT_cloud_cover" {
		t.Errorf("DE_BILT: %v %+v", err, X)
	}
	// The largest Rows is Rows()-2 (y needs row Rows+1).
	if _, _, err := w.Prepare(WeatherOptions{Rows: 3652}); err != nil {
		t.Errorf("Rows 3652: %v", err)
	}
	_, _, err = w.Prepare(WeatherOptions{Rows: 3653})
	wantErr(t, err, "maximum Rows is 3652")
	_, _, err = w.Prepare(WeatherOptions{Rows: -1})
	wantErr(t, err, "negative")
	_, _, err = w.Prepare(WeatherOptions{Station: "BASLE"})
	wantErr(t, err, `"BASLE"`, "BASEL, DE_BILT")
	_, _, err = w.Prepare(WeatherOptions{Targets: []string{"BASEL_sunshine", "BASEL_rain"}})
	wantErr(t, err, `"BASEL_rain"`, "target")
}

func TestSplitFeature(t *testing.T) {
	for _, c := range [][3]string{
		{"DE_BILT_temp_mean", "DE_BILT", "temp_mean"},
		{"BASEL_global_radiation", "BASEL", "global_radiation"},
		{"NEW_YORK_wind", "NEW_YORK", "wind"},
		{"plain", "plain", ""},
	} {
		if s, v := SplitFeature(c[0]); s != c[1] || v != c[2] {
			t.Errorf("SplitFeature(%q) = %q, %q", c[0], s, v)
		}
	}
}

func TestParseWeatherErrors(t *testing.T) {
	const hdr = "DATE,MONTH,BASEL_humidity,BASEL_sunshine\n"
	const row = "20000101,1,0.89,0\n"
	for _, c := range []struct {
		name, csv string
		parts     []string
	}{
		{"empty", "", []string{"w.csv", "empty"}},
		{"header only", hdr, []string{"w.csv", "no data rows"}},
		{"not a number", hdr + row + row + "20000103,1,abc,0\n", []string{"w.csv line 4, column BASEL_humidity", `"abc" is not a number`}},
		{"empty cell", hdr + row + "20000102,1,,0\n", []string{"w.csv line 3, column BASEL_humidity", "empty cell"}},
		{"NaN", hdr + "20000102,1,NaN,0\n", []string{"line 2, column BASEL_humidity", "not a finite number"}},
		{"overflow", hdr + "20000102,1,1e999,0\n", []string{"line 2, column BASEL_humidity", "not a finite number"}},
		{"short row", hdr + row + "20000102,1,0.8\n", []string{"w.csv line 3, column BASEL_sunshine", "missing", "3 fields"}},
		{"long row", hdr + "20000102,1,0.8,1,7\n", []string{"w.csv line 2", "5 fields", "4 columns"}},
		{"duplicate header", "DATE,MONTH,A_humidity,A_humidity\n" + row, []string{"w.csv line 1, column A_humidity", "duplicate", "columns 3 and 4"}},
		{"missing DATE", "MONTH,BASEL_humidity\n1,2\n", []string{"w.csv line 1, column DATE", "missing column"}},
		{"missing MONTH", "DATE,BASEL_humidity\n1,2\n", []string{"line 1, column MONTH", "missing column"}},
		{"empty header name", "DATE,MONTH,,X_sunshine\n" + row, []string{"line 1, column 3", "empty column name"}},
		{"bad quote", hdr + `20000102,1,"0.8,1` + "\n", []string{"w.csv line 2"}},
		{"semicolons", "DATE;MONTH;X\n1;2;3\n", []string{"line 1, column DATE", "missing column"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, err := ParseWeather(strings.NewReader(c.csv), "w.csv")
			if w != nil {
				t.Errorf("got data %+v with the error", w)
			}
			wantErr(t, err, c.parts...)
		})
	}
	// CRLF line ends, a byte-order mark and blank lines are fine.
	w, err := ParseWeather(strings.NewReader("\ufeff"+strings.ReplaceAll(hdr+row+"\n"+row, "\n", "\r\n")), "crlf.csv")
	if err != nil || w.Rows() != 2 || w.Columns[0] != "DATE" || w.Data[1][2] != 0.89 {
		t.Errorf("CRLF file: %v %+v", err, w)
	}
}
