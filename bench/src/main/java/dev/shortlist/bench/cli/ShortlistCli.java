package dev.shortlist.bench.cli;

import dev.shortlist.bench.ann.AnnCommand;
import dev.shortlist.bench.ann.VectorsCommand;
import dev.shortlist.bench.latency.BenchCommand;
import dev.shortlist.bench.latency.JmhCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code shortlist} command line. */
@Command(
    name = "shortlist",
    mixinStandardHelpOptions = true,
    version = "shortlist 0.1.0-SNAPSHOT",
    description = "Shortlist: two-stage recommendation serving (retrieve, then rank) for the JVM.",
    subcommands = {
      DemoCommand.class,
      AnnCommand.class,
      VectorsCommand.class,
      ScoreCommand.class,
      BenchCommand.class,
      JmhCommand.class,
      dev.shortlist.bench.eval.EvalCommand.class,
      CommandLine.HelpCommand.class
    })
public final class ShortlistCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, as {@link #main} runs it (tests run commands through it). */
  public static CommandLine commandLine() {
    return new CommandLine(new ShortlistCli()).setCaseInsensitiveEnumValuesAllowed(true);
  }
}
