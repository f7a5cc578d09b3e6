package datasets

import (
	"fmt"
	"slices"
)

// Matrix is a row-major float32 table with column names: row i is
// Data[i*Cols : (i+1)*Cols], the value of column Names[j] is at i*Cols+j.
type Matrix struct {
	Rows, Cols int
	Names      []string
	Data       []float32
}

// Row returns row i; it shares memory with m.
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols] }

// Col returns a copy of the column called name.
func (m *Matrix) Col(name string) ([]float32, error) {
	j := slices.Index(m.Names, name)
	if j < 0 {
		return nil, noColumnError(fmt.Sprintf("matrix (%dx%d)", m.Rows, m.Cols), name, m.Names)
	}
	out := make([]float32, m.Rows)
	for i := range out {
		out[i] = m.Data[i*m.Cols+j]
	}
	return out, nil
}

// Take returns a new matrix of the rows idx, in idx order
// (pandas X.iloc[idx]). It panics if an index is out of range.
func (m *Matrix) Take(idx []int) *Matrix {
	out := &Matrix{Rows: len(idx), Cols: m.Cols, Names: slices.Clone(m.Names), Data: make([]float32, len(idx)*m.Cols)}
	for k, i := range idx {
		copy(out.Data[k*m.Cols:(k+1)*m.Cols], m.Row(i))
	}
	return out
}
