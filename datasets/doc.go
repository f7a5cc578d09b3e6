// Package datasets finds, downloads, parses and prepares the two data sets of
// the Carpentries "Introduction to Deep Learning" day-2 lesson, so that the
// rest of nnlab sees exactly the numbers the lesson's Python code sees:
//
//   - the weather prediction data set (Zenodo record 5071376,
//     weather_prediction_dataset_light.csv): [LoadWeather], [Weather.Prepare]
//     (pandas' data.loc[:nr_rows] / data.loc[1:nr_rows+1]) and [LessonSplit]
//     (scikit-learn's train_test_split with random_state, reproduced
//     bit for bit through numpy's legacy MT19937 RandomState, see
//     [Permutation] and [TrainTestSplit]);
//   - CIFAR-10 in its binary record format (the full data_batch_N.bin /
//     test_batch.bin files or the subset train_4000.bin / test_1000.bin):
//     [CIFARTrain], [CIFARTest], [ParseCIFAR], returned channels-last like
//     keras.datasets.cifar10.load_data(), plus [GridImage] for the lesson's
//     5x5 picture of labelled images.
//
// # Contract
//
// Data files are located with [Find] (explicit path, $NNLAB_DATA, the download
// cache [CacheDir], then shared/data folders beside the working directory's
// ancestors) and, when missing and $NNLAB_OFFLINE is not "1", downloaded with
// [Fetch], which always verifies a checksum before a file is put in place.
//
// Every failure is reported as an error whose message starts with
// "datasets: " and names the file and, for malformed content, the line and
// column (CSV) or the record (CIFAR). Malformed input never panics and never
// turns silently into zeros. Functions that take an index ([Matrix.Row],
// [Images.Image], ...) panic on an out-of-range index like a slice does:
// that is a programming error, not a data error.
//
// Nothing here uses cgo or the file system at package initialisation, so the
// parsers ([ParseWeather], [ParseCIFAR]) also work in a browser (GOOS=js)
// on bytes fetched by the page.
package datasets
