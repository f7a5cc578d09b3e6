// Command nnlab runs the workshop's lessons from the terminal and serves the
// browser lab.
//
//	nnlab train weather [flags]   the "monitor the training process" episode
//	nnlab train cifar [flags]     the "advanced layer types" episode
//	nnlab train penguins [flags]  the first Keras episode (classification)
//	nnlab explore weather|cifar|penguins   dataset facts
//	nnlab code lesson.py          run lesson code (Keras) as the page does
//	nnlab predict --model PATH --csv INPUTS.csv   a saved model's predictions
//	nnlab evaluate --model PATH   a saved model on its lesson's test set
//	nnlab serve [flags]           serve the built site on localhost
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  nnlab train weather [flags]   train the weather model (the day-2 lesson), -h for flags
  nnlab train cifar [flags]     train a CIFAR-10 model, -h for flags
  nnlab train penguins [flags]  classify the Palmer penguins (the first Keras episode), -h for flags
  nnlab explore weather|cifar|penguins   print dataset facts; for cifar also write a 5x5 image grid PNG
  nnlab code [flags] lesson.py  run lesson code (Keras) as the page does, -h for flags
  nnlab predict --model PATH --csv INPUTS.csv   predictions of a saved model (train --save), as CSV
  nnlab evaluate --model PATH   a saved model (.keras or TF.js) on its lesson's test set
  nnlab serve [flags]           serve the browser lab (build it first with ./build.sh)
  nnlab data --out DIR          copy the lessons' data into DIR for the site
`)
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch os.Args[1] {
	case "train":
		if len(os.Args) < 3 {
			usage()
			os.Exit(2)
		}
		switch os.Args[2] {
		case "weather":
			err = trainWeather(ctx, os.Args[3:], os.Stdout)
		case "cifar":
			err = trainCIFAR(ctx, os.Args[3:], os.Stdout)
		case "penguins":
			err = trainPenguins(ctx, os.Args[3:], os.Stdout)
		default:
			err = fmt.Errorf("unknown lesson %q: use weather, cifar or penguins", os.Args[2])
		}
	case "explore":
		if len(os.Args) < 3 {
			usage()
			os.Exit(2)
		}
		err = explore(os.Args[2], os.Args[3:], os.Stdout)
	case "code":
		err = code(ctx, os.Args[2:], os.Stdout)
	case "predict":
		err = predictCmd(os.Args[2:], os.Stdout)
	case "evaluate":
		err = evaluateCmd(ctx, os.Args[2:], os.Stdout)
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "data":
		err = data(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nnlab:", err)
		os.Exit(1)
	}
}

func trainWeather(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("train weather", flag.ContinueOnError)
	var c lab.WeatherConfig
	var targets, device string
	var asJSON bool
	fs.Float64Var(&c.Years, "years", 3, "years of data: nr_rows = 365*years (exercise 4: 8 or 9)")
	fs.StringVar(&c.Station, "station", "", `keep only this station's features, e.g. BASEL ("" = all 11 stations)`)
	fs.StringVar(&targets, "targets", "BASEL_sunshine", "comma-separated columns to predict (exercise: BASEL_sunshine,BASEL_precipitation)")
	fs.IntVar(&c.Nodes1, "nodes1", 100, "units of the first hidden Dense layer")
	fs.IntVar(&c.Nodes2, "nodes2", 50, "units of the second hidden Dense layer")
	fs.BoolVar(&c.BatchNorm, "batchnorm", false, "BatchNormalization after the input")
	fs.Float64Var(&c.Dropout, "dropout", 0, "Dropout rate after each hidden layer (0 = none)")
	fs.IntVar(&c.Epochs, "epochs", 200, "epochs")
	fs.IntVar(&c.BatchSize, "batch", 32, "batch size")
	fs.IntVar(&c.Patience, "patience", 0, `EarlyStopping(monitor="val_loss", patience=N); 0 = no early stopping`)
	fs.BoolVar(&c.Restore, "restore-best", false, "EarlyStopping restore_best_weights")
	fs.StringVar(&c.Optimizer, "optimizer", "adam", "adam, sgd or rmsprop")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate, > 0 (default: the optimizer's Keras default, 0.001 for adam and rmsprop, 0.01 for sgd)")
	fs.Float64Var(&c.Momentum, "momentum", 0, "momentum for sgd or rmsprop")
	fs.StringVar(&c.Loss, "loss", "mse", "mse or mae")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed for weights, shuffling and dropout")
	fs.StringVar(&c.DataPath, "data", "", "the CSV, or a folder holding it (default: $NNLAB_DATA, the cache, ../shared/data, download)")
	fs.StringVar(&device, "device", "", "auto, cpu or webgpu (default $NNLAB_DEVICE or auto)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object at the end instead of the text report")
	memory := memoryFlag(fs)
	save := saveFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkWeatherFlags(fs, &c, *memory); err != nil {
		return err
	}
	sv, err := newSaver(*save)
	if err != nil {
		return err
	}
	c.Targets = strings.Split(targets, ",")
	rep := report{out, asJSON}
	w, err := datasets.LoadWeather(c.DataPath)
	if err != nil {
		return err
	}
	if err := checkYears(c.Years, w); err != nil {
		return err
	}
	data, err := lab.PrepareWeather(w, c)
	if err != nil {
		return err
	}
	res, err := onDevice(device, func(dev gpu.Device) (*lab.WeatherResult, error) {
		h := rep.hooks()
		h.Trained = sv.hook(weatherCompile(c), weatherLesson(c, data))
		return lab.RunWeather(ctx, c, dev, data, h)
	})
	if err != nil {
		return err
	}
	if err := result(rep, res, printWeather); err != nil {
		return err
	}
	return sv.done(rep.log())
}

// printWeather writes the weather lesson's report.
func printWeather(out io.Writer, res *lab.WeatherResult) {
	m := res.Metrics
	fmt.Fprintf(out, "\nDevice: %s\nSamples: train %d, validation %d, test %d (%d features)\n", res.Device, res.Samples.Train, res.Samples.Val, res.Samples.Test, res.Features)
	fmt.Fprintf(out, "Epochs run: %d, fit took %.2f s\n", res.EpochsRun, res.TrainSeconds)
	fmt.Fprintf(out, "Train RMSE: %.2f, Validation RMSE: %.2f, Test RMSE: %.2f\n", m["train_rmse"], m["val_rmse"], m["test_rmse"])
	if b, ok := m["baseline_test_rmse"]; ok {
		fmt.Fprintf(out, "NN RMSE: %.2f, baseline RMSE: %.2f (tomorrow = today)\n", m["test_rmse"], b)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(out, "Note:", n)
	}
}

func trainCIFAR(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("train cifar", flag.ContinueOnError)
	var c lab.CIFARConfig
	var device, grid string
	var asJSON bool
	fs.StringVar(&c.Model, "model", "dropout", "the lesson's model: small, pool or dropout")
	fs.IntVar(&c.N, "n", 0, "training images (train_images[:n]); 0 = all loaded")
	fs.IntVar(&c.TestN, "test-n", 0, "test images; 0 = all loaded")
	fs.IntVar(&c.Epochs, "epochs", 20, "epochs")
	fs.IntVar(&c.BatchSize, "batch", 32, "batch size")
	fs.IntVar(&c.Patience, "patience", 0, "EarlyStopping patience on val_loss; 0 = none")
	fs.StringVar(&c.Optimizer, "optimizer", "adam", "adam, sgd or rmsprop")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate, > 0 (default: the optimizer's Keras default)")
	fs.Float64Var(&c.Momentum, "momentum", 0, "momentum for sgd or rmsprop")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed")
	fs.StringVar(&c.DataPath, "data", "", "folder with the CIFAR-10 .bin files (default: $NNLAB_DATA, cache, ../shared/data, download)")
	fs.StringVar(&device, "device", "", "auto, cpu or webgpu")
	fs.StringVar(&grid, "grid", "cifar_predictions.png", `PNG of 25 test images with predicted/true labels ("" = none)`)
	fs.BoolVar(&asJSON, "json", false, "print one JSON object at the end")
	memory := memoryFlag(fs)
	save := saveFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkCIFARFlags(fs, &c, *memory); err != nil {
		return err
	}
	sv, err := newSaver(*save)
	if err != nil {
		return err
	}
	rep := report{out, asJSON}
	data, err := lab.LoadCIFARData(c.DataPath)
	if err != nil {
		return err
	}
	if err := checkImageCounts(c.N, c.TestN, data); err != nil {
		return err
	}
	res, err := onDevice(device, func(dev gpu.Device) (*lab.CIFARResult, error) {
		h := rep.hooks()
		h.Trained = sv.hook(cifarCompile(c), cifarLesson())
		return lab.RunCIFAR(ctx, c, dev, data, h)
	})
	if err != nil {
		return err
	}
	if grid != "" {
		test := data.Test
		if c.TestN > 0 && c.TestN < test.N {
			test = test.Head(c.TestN)
		}
		n := min(25, test.N)
		idx := make([]int, n)
		caps := make([]string, n)
		wrong := make([]bool, n)
		for i := range idx {
			idx[i] = i
			p, t := res.TestPred[i], int(test.Labels[i])
			caps[i] = datasets.ClassName(p) + "/" + datasets.ClassName(t)
			wrong[i] = p != t
		}
		if err := datasets.WritePNG(grid, datasets.GridImage(test, idx, 5, caps, wrong)); err != nil {
			return err
		}
		fmt.Fprintf(rep.log(), "Wrote %s (predicted/true; wrong ones in red)\n", grid)
	}
	if err := result(rep, res, printCIFAR); err != nil {
		return err
	}
	return sv.done(rep.log())
}

// printCIFAR writes the CIFAR-10 lesson's report.
func printCIFAR(out io.Writer, res *lab.CIFARResult) {
	m := res.Metrics
	fmt.Fprintf(out, "\nDevice: %s\nImages: train %d, test %d\n", res.Device, res.Samples.Train, res.Samples.Test)
	fmt.Fprintf(out, "Epochs run: %d, fit took %.1f s (%.0f images/s)\n", res.EpochsRun, res.TrainSeconds, res.ImagesPerSec)
	fmt.Fprintf(out, "Train accuracy: %.3f, Validation accuracy: %.3f, Test accuracy: %.3f\n\n", m["train_accuracy"], m["val_accuracy"], m["test_accuracy"])
	fmt.Fprint(out, lab.ConfusionTable(res.Confusion))
	for _, n := range res.Notes {
		fmt.Fprintln(out, "Note:", n)
	}
}

func explore(what string, args []string, out io.Writer) error {
	if what == "penguins" {
		return explorePenguins(args, out)
	}
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	path := fs.String("data", "", "data file or folder")
	grid := fs.String("grid", "cifar_grid.png", "where to write the 5x5 grid of training images (cifar)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch what {
	case "weather":
		w, err := datasets.LoadWeather(*path)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "File: %s\nRows: %d, columns: %d\nFeatures: %d (DATE and MONTH are not features)\n", w.Path, w.Rows(), len(w.Columns), len(w.Features()))
		fmt.Fprintf(out, "Stations (%d): %s\n", len(w.Stations()), strings.Join(w.Stations(), ", "))
		fmt.Fprintf(out, "Variable types (%d): %s\n", len(w.VariableTypes()), strings.Join(w.VariableTypes(), ", "))
		return nil
	case "cifar":
		d, err := lab.LoadCIFARData(*path)
		if err != nil {
			return err
		}
		tr := d.Train
		lo, hi := uint8(255), uint8(0)
		for _, p := range tr.Pixels {
			lo, hi = min(lo, p), max(hi, p)
		}
		fmt.Fprintf(out, "train_images.shape: (%d, %d, %d, %d), test: %d images\n", tr.N, tr.H, tr.W, tr.C, d.Test.N)
		fmt.Fprintf(out, "One image: (%d, %d, %d); values %d..%d (scale with / 255.0)\n", tr.H, tr.W, tr.C, lo, hi)
		fmt.Fprintf(out, "train_labels.shape: (%d, 1), labels 0..9: %s\n", tr.N, strings.Join(datasets.CIFARClasses[:], ", "))
		if *grid != "" {
			n := min(25, tr.N)
			idx, caps := make([]int, n), make([]string, n)
			for i := range idx {
				idx[i], caps[i] = i, datasets.ClassName(int(tr.Labels[i]))
			}
			if err := datasets.WritePNG(*grid, datasets.GridImage(tr, idx, 5, caps, nil)); err != nil {
				return err
			}
			fmt.Fprintf(out, "Wrote %s\n", *grid)
		}
		return nil
	}
	return fmt.Errorf("explore what? use weather, cifar or penguins, not %q", what)
}
