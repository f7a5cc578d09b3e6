package datasets

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Grid layout: each image is upscaled GridScale times (nearest neighbour)
// and captioned underneath in the 7x13 bitmap font.
const (
	GridScale = 3
	gridPad   = 4
)

var (
	captionColor = color.RGBA{0, 0, 0, 255}
	wrongColor   = color.RGBA{200, 0, 0, 255}
)

// GridImage draws images idx of im in a grid with cols columns, each with a
// caption underneath: captions[k] if given and non-empty, else the class
// name of its label (the lesson's 5x5 plt.subplot figure). Captions with
// wrong[k] set are drawn in red (e.g. "cat / dog" for a wrong prediction).
// idx nil means the first 25 images, cols <= 0 means 5. An index outside
// [0, im.N) gives an empty cell captioned in red, not a panic.
func GridImage(im *Images, idx []int, cols int, captions []string, wrong []bool) *image.RGBA {
	if idx == nil {
		idx = make([]int, min(25, im.N))
		for i := range idx {
			idx[i] = i
		}
	}
	if cols <= 0 {
		cols = 5
	}
	face := basicfont.Face7x13
	text := make([]string, len(idx))
	capW := 0
	for k, i := range idx {
		switch {
		case k < len(captions) && captions[k] != "":
			text[k] = captions[k]
		case i >= 0 && i < im.N:
			text[k] = ClassName(int(im.Labels[i]))
		default:
			text[k] = fmt.Sprintf("no image %d", i)
		}
		capW = max(capW, font.MeasureString(face, text[k]).Ceil())
	}
	imgW, imgH := im.W*GridScale, im.H*GridScale
	cellW := max(imgW, capW) + 2*gridPad
	lineH := face.Metrics().Height.Ceil()
	cellH := imgH + lineH + 3*gridPad
	rows := (len(idx) + cols - 1) / cols
	out := image.NewRGBA(image.Rect(0, 0, max(1, min(cols, len(idx))*cellW), max(1, rows*cellH)))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)

	for k, i := range idx {
		x0, y0 := (k%cols)*cellW, (k/cols)*cellH
		ok := i >= 0 && i < im.N
		if ok {
			src := im.Image(i).(*image.RGBA)
			ix := x0 + (cellW-imgW)/2
			for y := 0; y < imgH; y++ {
				for x := 0; x < imgW; x++ {
					out.SetRGBA(ix+x, y0+gridPad+y, src.RGBAAt(x/GridScale, y/GridScale))
				}
			}
		}
		col := captionColor
		if !ok || (k < len(wrong) && wrong[k]) {
			col = wrongColor
		}
		w := font.MeasureString(face, text[k]).Ceil()
		d := font.Drawer{
			Dst:  out,
			Src:  image.NewUniform(col),
			Face: face,
			Dot:  fixed.P(x0+(cellW-w)/2, y0+2*gridPad+imgH+face.Metrics().Ascent.Ceil()),
		}
		d.DrawString(text[k])
	}
	return out
}

// WritePNG encodes img as PNG to path; on failure no partial file is left.
func WritePNG(path string, img image.Image) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("datasets: %s is a folder, but a file name for the PNG was expected (e.g. %s)", path, filepath.Join(path, "grid.png"))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	err = png.Encode(f, img)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("datasets: writing %s: %w", path, err)
	}
	return nil
}
