package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
)

// The penguins episode ("Classification by a neural network using Keras",
// the workshop's first Keras lesson) from the terminal.

// explorePenguins prints what the lesson's first steps show: the shape,
// the head with its missing row, the species counts and the rows left after
// dropna.
func explorePenguins(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("explore penguins", flag.ContinueOnError)
	path := fs.String("data", "", "penguins.csv, or a folder holding it (default: $NNLAB_DATA, the cache, ../shared/data, download)")
	head := fs.Int("head", 5, "rows of the table head to print")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the text report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ck := newFlagChecks(fs)
	ck.atLeast("head", *head, 0, "the rows of the head")
	if err := ck.err(); err != nil {
		return err
	}
	p, err := datasets.LoadPenguins(*path)
	if err != nil {
		return err
	}
	counts, err := p.ValueCounts("species")
	if err != nil {
		return err
	}
	d, err := p.Prepare(nil)
	if err != nil {
		return err
	}
	n := min(*head, p.Rows())
	if *asJSON {
		rows := make([]map[string]string, n)
		for i := range rows {
			rows[i] = map[string]string{}
			for _, c := range p.Columns {
				rows[i][c] = p.Cell(i, c)
			}
		}
		sc := map[string]int{}
		for _, c := range counts {
			sc[c.Value] = c.Count
		}
		return printJSON(out, map[string]any{
			"file": p.Path, "rows": p.Rows(), "columns": p.Columns, "head": rows, "species": sc,
			"features": d.X.Names, "rows_dropna": d.X.Rows, "dropped_rows": d.Dropped, "classes": d.Classes,
		})
	}
	fmt.Fprintf(out, "File: %s\npenguins.shape: (%d, %d)\n\n", p.Path, p.Rows(), len(p.Columns))
	fmt.Fprint(out, penguinsHead(p, n))
	var missing []string
	for i := range p.Rows() {
		if p.Missing(i, "bill_length_mm") {
			missing = append(missing, fmt.Sprint(p.Index[i]))
		}
	}
	fmt.Fprintf(out, "\nRows without measurements (NaN): %s\n", strings.Join(missing, ", "))
	fmt.Fprint(out, "Species (value_counts):")
	for _, c := range counts {
		fmt.Fprintf(out, " %s %d", c.Value, c.Count)
	}
	fmt.Fprintf(out, "\nFeatures: %s\n", strings.Join(d.X.Names, ", "))
	fmt.Fprintf(out, "After drop(columns=['island', 'sex']).dropna(): %d rows (%d dropped)\n", d.X.Rows, len(d.Dropped))
	fmt.Fprintf(out, "Target: get_dummies(species), columns %s\n", strings.Join(d.Classes, ", "))
	return nil
}

// penguinsHead prints the first n rows as pandas prints df.head(n): the
// index, then the columns right-aligned.
func penguinsHead(p *datasets.Penguins, n int) string {
	cells := make([][]string, n+1)
	cells[0] = append([]string{""}, p.Columns...)
	for i := range n {
		cells[i+1] = []string{fmt.Sprint(p.Index[i])}
		for _, c := range p.Columns {
			cells[i+1] = append(cells[i+1], p.Cell(i, c))
		}
	}
	width := make([]int, len(cells[0]))
	for _, row := range cells {
		for j, s := range row {
			width[j] = max(width[j], len(s))
		}
	}
	var b strings.Builder
	for _, row := range cells {
		for j, s := range row {
			if j == 0 {
				fmt.Fprintf(&b, "%-*s", width[j], s)
			} else {
				fmt.Fprintf(&b, "  %*s", width[j], s)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func trainPenguins(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("train penguins", flag.ContinueOnError)
	var c lab.PenguinsConfig
	var device string
	var asJSON bool
	var splitSeed int
	fs.IntVar(&c.Hidden, "hidden", 10, "units of the hidden Dense layer (relu)")
	fs.IntVar(&c.Epochs, "epochs", 100, "epochs")
	fs.IntVar(&c.BatchSize, "batch", 32, "batch size (Keras's default; the lesson's fit sets none)")
	fs.Float64Var(&c.TestSize, "test-size", 0.2, "train_test_split test_size")
	fs.IntVar(&splitSeed, "split-seed", 0, "train_test_split random_state (the lesson's 0: the same split for the whole class)")
	fs.StringVar(&c.Optimizer, "optimizer", "adam", "adam, sgd or rmsprop")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate, > 0 (default: the optimizer's Keras default, 0.001 for adam)")
	fs.Uint64Var(&c.Seed, "seed", 2, "seed for weights and shuffling (the lesson's keras.utils.set_random_seed(2); other numbers than TensorFlow's)")
	fs.StringVar(&c.DataPath, "data", "", "penguins.csv, or a folder holding it (default: $NNLAB_DATA, the cache, ../shared/data, download)")
	fs.StringVar(&device, "device", "", "auto, cpu or webgpu (default $NNLAB_DEVICE or auto)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object at the end instead of the text report")
	memory := memoryFlag(fs)
	save := saveFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ck := newFlagChecks(fs)
	ck.atLeast("hidden", c.Hidden, 1, "the units of the hidden layer")
	ck.atLeast("epochs", c.Epochs, 1, "the number of epochs")
	ck.atLeast("batch", c.BatchSize, 1, "the batch size")
	if !(c.TestSize > 0 && c.TestSize < 1) {
		ck.fail("test-size", fmtFloat(c.TestSize), "test_size must be a number between 0 and 1, e.g. 0.2")
	}
	if splitSeed < 0 || splitSeed > 1<<32-1 {
		ck.fail("split-seed", fmt.Sprint(splitSeed), "random_state must be a whole number from 0 to 4294967295")
	}
	ck.oneOf("optimizer", c.Optimizer, "adam", "sgd", "rmsprop")
	ck.learningRate(c.LR)
	ck.memory(*memory)
	if err := ck.err(); err != nil {
		return err
	}
	c.SplitSeed = uint32(splitSeed)
	sv, err := newSaver(*save)
	if err != nil {
		return err
	}
	rep := report{out, asJSON}
	data, err := lab.LoadPenguinsData(c)
	if err != nil {
		return err
	}
	res, err := onDevice(device, func(dev gpu.Device) (*lab.PenguinsResult, error) {
		h := rep.hooks()
		act, fromLogits := lab.PenguinsSavedActivation(c)
		h.Trained = sv.hookAs(penguinsCompile(c, fromLogits), penguinsLesson(c, data), act)
		return lab.RunPenguins(ctx, c, dev, data, h)
	})
	if err != nil {
		return err
	}
	if err := result(rep, res, printPenguins); err != nil {
		return err
	}
	return sv.done(rep.log())
}

// printPenguins writes the penguins lesson's report: counts, accuracy, the
// head of the prediction table and the confusion matrix.
func printPenguins(out io.Writer, res *lab.PenguinsResult) {
	m := res.Metrics
	fmt.Fprintf(out, "\nDevice: %s\nPenguins: %d in the file, %d after dropna; train %d, test %d (%s)\n",
		res.Device, res.Rows, res.RowsDropNA, res.Samples.Train, res.Samples.Test, countsText(res.Classes, res.TestCounts))
	fmt.Fprintf(out, "Epochs run: %d, fit took %.2f s; loss %.4f -> %.4f\n", res.EpochsRun, res.TrainSeconds, first(res.History["loss"]), last(res.History["loss"]))
	fmt.Fprintf(out, "Train accuracy: %.3f, Test accuracy: %.3f (test loss %.4f)\n\n", m["train_accuracy"], m["test_accuracy"], m["test_loss"])
	k := len(res.Classes)
	fmt.Fprintf(out, "%-4s", "")
	for _, c := range res.Classes {
		fmt.Fprintf(out, "%11s", c)
	}
	fmt.Fprintf(out, "  %-10s %s\n", "predicted", "true")
	for i := range min(5, len(res.TestPred)) {
		fmt.Fprintf(out, "%-4d", i)
		for _, p := range res.TestProbs[i*k : (i+1)*k] {
			fmt.Fprintf(out, "%11.4f", p)
		}
		fmt.Fprintf(out, "  %-10s %s\n", res.Classes[res.TestPred[i]], res.Classes[res.TestTrue[i]])
	}
	fmt.Fprintf(out, "(%d test penguins; the first 5)\n\nConfusion matrix (test set, rows true, columns predicted):\n", len(res.TestPred))
	fmt.Fprint(out, lab.ClassConfusionTable(res.Confusion, res.Classes))
	for _, n := range res.Notes {
		fmt.Fprintln(out, "Note:", n)
	}
}

func countsText(names []string, counts []int) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%d %s", counts[i], n)
	}
	return strings.Join(parts, ", ")
}

func first(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

func last(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}
