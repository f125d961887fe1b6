// Command compose-check validates a Compose file with compose-go, the loader Docker
// Compose itself uses (schema incl. unknown keys, interpolation such as ${VAR:?msg},
// depends_on targets), for machines that have no Docker engine. It also checks that
// every file or folder a service bind-mounts exists, and that the YAML and JSON files
// among them parse.
//
//	compose-check [-profiles p1,p2] [docker-compose.yml]
//
// -profiles selects the profiles to enable: "*" (the default) enables all, "" none
// (only services without a profile), so each combination users run can be checked.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"go.yaml.in/yaml/v3"
)

func main() {
	profiles := flag.String("profiles", "*", `comma-separated profiles to enable ("*" = all, "" = none)`)
	flag.Parse()
	file := "docker-compose.yml"
	if flag.NArg() > 0 {
		file = flag.Arg(0)
	}
	var enabled []string
	if *profiles != "" {
		enabled = strings.Split(*profiles, ",")
	}
	n, mounts, err := check(file, enabled)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s (profiles %q): %v\n", file, *profiles, err)
		os.Exit(1)
	}
	fmt.Printf("compose file OK with profiles %q: %d services, %d mounted files checked\n", *profiles, n, mounts)
}

func check(file string, profiles []string) (int, int, error) {
	// WithEnvFiles() with no argument selects the .env next to the compose file, as
	// `docker compose` does; without it WithDotEnv has no file to read. OS env wins.
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv, cli.WithProfiles(profiles))
	if err != nil {
		return 0, 0, err
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		return 0, 0, err
	}
	checked := 0
	for name, service := range p.Services {
		for _, volume := range service.Volumes {
			if volume.Type != "bind" {
				continue
			}
			n, err := checkMount(volume.Source)
			if err != nil {
				return 0, 0, fmt.Errorf("service %s mounts %s: %w", name, volume.Source, err)
			}
			checked += n
		}
	}
	return len(p.Services), checked, nil
}

// checkMount checks that a bind-mount source exists and that every YAML or JSON file
// in it parses; it returns how many files it looked at.
func checkMount(source string) (int, error) {
	n := 0
	err := filepath.WalkDir(source, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		n++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yml", ".yaml":
			err = yaml.Unmarshal(data, &doc)
		case ".json":
			err = json.Unmarshal(data, &doc)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
	return n, err
}
