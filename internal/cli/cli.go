// Package cli is Basalt's command line: serve, version, models, converse.
// Exit codes: 0 success, 1 the command failed (a request failed, the server
// could not start), 2 usage or configuration error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit codes scripts can rely on.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Version is set at build time with -ldflags "-X github.com/basalt-gateway/basalt/internal/cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `Basalt is a self-hosted model gateway that speaks every Amazon Bedrock API shape.

Usage:
  basalt <command> [flags]

Commands:
  serve      run the gateway (default 127.0.0.1:8080)
  models     list the models this configuration serves
  converse   send one prompt through a gateway and print the answer
  advise     recommend the API and models for a workload and constraints
  version    print the version

Run "basalt <command> --help" for a command's flags.
Exit codes: 0 success, 1 failure, 2 usage or configuration error.
`

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "models":
		return runModels(ctx, rest, stdout, stderr)
	case "converse":
		return runConverse(ctx, rest, stdout, stderr)
	case "advise":
		return runAdvise(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "basalt %s\n", version())
		return ExitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "basalt: unknown command %q\n\n%s", cmd, usage)
	return ExitUsage
}

// parse parses flags; it reports whether to stop and with which code.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (int, bool) {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, true
		}
		return ExitUsage, true
	}
	return 0, false
}

func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: basalt %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// errUsage marks errors that are the caller's fault (exit code 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

func exitCode(err error) int {
	var u errUsage
	if errors.As(err, &u) {
		return ExitUsage
	}
	return ExitFail
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "basalt: %s\n", strings.TrimSpace(err.Error()))
	return exitCode(err)
}
