// Command compose-check validates a Compose file with compose-go, the loader Docker
// Compose itself uses (schema incl. unknown keys, interpolation such as ${VAR:?msg},
// depends_on targets), for machines that have no Docker engine.
//
//	compose-check [docker-compose.yml]
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := "docker-compose.yml"
	if len(os.Args) > 1 {
		file = os.Args[1]
	}
	n, err := check(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", file, err)
		os.Exit(1)
	}
	fmt.Printf("compose file OK: %d services\n", n)
}

func check(file string) (int, error) {
	// WithEnvFiles() with no argument selects the .env next to the compose file, as
	// `docker compose` does; without it WithDotEnv has no file to read. OS env wins.
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv, cli.WithProfiles([]string{"*"}))
	if err != nil {
		return 0, err
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		return 0, err
	}
	return len(p.Services), nil
}
