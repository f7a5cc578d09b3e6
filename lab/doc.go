// Package lab runs the workshop's lessons end to end — data, model,
// training, evaluation — for the native command and the browser alike.
//
// Each lesson has one entry point of one shape:
//
//	RunWeather(ctx, WeatherConfig, dev, *WeatherData, Hooks) (*WeatherResult, error)
//	RunCIFAR(ctx, CIFARConfig, dev, *CIFARData, Hooks) (*CIFARResult, error)
//	RunPenguins(ctx, PenguinsConfig, dev, *PenguinsData, Hooks) (*PenguinsResult, error)
//
// A config's zero values take the lesson's settings; nil data loads them.
// [Hooks] are what a caller sees while the run goes (the verbose writer,
// each step, each epoch's metrics and weights, the end of fit); a result
// starts with a [FitReport] (the device, the epochs run, Stopped, ...) and
// adds the lesson's numbers. Hooks' values and the results are plain data
// with JSON tags: the page could receive them from a Web Worker as they are.
package lab
