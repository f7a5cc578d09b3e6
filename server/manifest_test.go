package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestManifestForOffline checks what /version.json gives the service worker
// for offline use: every site file with the ETag that its SHA-256 gives (the
// worker checks each file it caches against it, so a build's cache never
// holds another build's file), and the lessons' small data files of
// installData that the site serves, to cache at install.
func TestManifestForOffline(t *testing.T) {
	site := fixture(t)
	weather := []byte("DATE,MONTH,BASEL_sunshine\n20000101,1,2.5\n")
	os.WriteFile(filepath.Join(site, "data", "weather_prediction_dataset_light.csv"), weather, 0o644)
	h := newLab(t, site)
	var m versionManifest
	if err := json.Unmarshal(body(t, get(t, h, "GET", "/version.json")), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != len(m.Site) {
		t.Errorf("version.json: %d files with an ETag, %d site files", len(m.Files), len(m.Site))
	}
	for _, rel := range m.Site {
		path := "/" + rel
		if rel == "./" {
			path = "/"
		}
		res := get(t, h, "GET", path)
		sum := sha256.Sum256(body(t, res))
		if want := `"` + hex.EncodeToString(sum[:])[:32] + `"`; m.Files[rel] != want {
			t.Errorf("version.json files[%s] = %s, want %s (its SHA-256)", rel, m.Files[rel], want)
		}
	}
	if len(m.Install) != 1 || m.Install[0] != "data/weather_prediction_dataset_light.csv" {
		t.Errorf("version.json install %v, want the weather CSV", m.Install)
	}
	sum := sha256.Sum256(weather)
	if m.Data[m.Install[0]] != `"`+hex.EncodeToString(sum[:])[:32]+`"` {
		t.Errorf("version.json data[%s] = %s", m.Install[0], m.Data[m.Install[0]])
	}

	// A site without the lesson's file installs nothing.
	os.Remove(filepath.Join(site, "data", "weather_prediction_dataset_light.csv"))
	m = versionManifest{}
	if err := json.Unmarshal(body(t, get(t, newLab(t, site), "GET", "/version.json")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Install == nil || len(m.Install) != 0 {
		t.Errorf("version.json install %#v, want [] (the site serves none of installData)", m.Install)
	}
}
