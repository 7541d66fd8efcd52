#!/bin/sh
# cde: lets unmodified actions/cache in a cde job reach the bridge's cache (docs/caching.md, "Pointing GitHub's
# runner at it"). GitHub's runner (Runner.Worker, NodeScriptActionHandler and ContainerActionHandler) overwrites
# ACTIONS_CACHE_URL in every action's environment with GitHub's URL and sets ACTIONS_CACHE_SERVICE_V2 from a job
# variable, so whatever the runner's own environment says is lost. This renames those two names where the Worker
# writes them (UTF-16LE string literals in Runner.Worker.dll) to names of the same length that nothing reads:
# the action then inherits ACTIONS_CACHE_URL from the runner's environment (runner-start.sh sets it to the bridge,
# with the session's cache token in the path) and, without ACTIONS_CACHE_SERVICE_V2, @actions/cache speaks the
# REST protocol the bridge serves there. ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN stay GitHub's (artifacts
# and OIDC need them).
#
# Usage: patch-runner-cache.sh <runner dir or Runner.Worker.dll>
# Refuses (exit 1, file untouched) unless each literal is found exactly once, so a runner update that moves or
# duplicates them fails the image build instead of silently leaving the cache on GitHub. Running it again on a
# patched file says so and changes nothing (exit 0).
set -eu

target=${1:?usage: patch-runner-cache.sh <runner dir or Runner.Worker.dll>}
[ -d "$target" ] && target="$target/bin/Runner.Worker.dll"
[ -f "$target" ] || { echo "patch-runner-cache: no such file: $target" >&2; exit 1; }

# perl is in every Debian/Ubuntu base (perl-base); the literals are matched as UTF-16LE, exactly.
exec perl -e '
  use strict; use warnings;
  sub fail { print STDERR @_; exit 1 }
  my ($file) = @ARGV;
  my %rename = ("ACTIONS_CACHE_URL" => "ACTIONS_CACHE_ORL", "ACTIONS_CACHE_SERVICE_V2" => "ACTIONS_CACHE_SERVICE_X2");
  sub u16 { my $s = shift; $s =~ s/(.)/$1\0/gs; return $s }
  open(my $in, "<:raw", $file) or fail "patch-runner-cache: cannot read $file: $!\n";
  my $bin = do { local $/; <$in> }; close $in;
  my ($todo, $done) = (0, 0);
  for my $from (sort keys %rename) {
    my ($f, $t) = (u16($from), u16($rename{$from}));
    my $n = () = $bin =~ /\Q$f\E/g;
    my $m = () = $bin =~ /\Q$t\E/g;
    if ($n == 0 && $m == 1) { $done++; next }
    if ($n != 1 || $m != 0) {
      fail "patch-runner-cache: $file has $from $n times and $rename{$from} $m times, not once and never;"
        . " this runner version is not one the patch knows: nothing changed\n";
    }
    $todo++;
  }
  if ($todo == 0) { print "patch-runner-cache: $file is already patched\n"; exit 0 }
  fail "patch-runner-cache: $file is half patched: nothing changed\n" if $done;
  for my $from (keys %rename) { my ($f, $t) = (u16($from), u16($rename{$from})); $bin =~ s/\Q$f\E/$t/ }
  my $tmp = "$file.cde-patch.$$";
  open(my $out, ">:raw", $tmp) or fail "patch-runner-cache: cannot write $tmp: $!\n";
  print $out $bin or fail "patch-runner-cache: writing $tmp failed: $!\n";
  close $out or fail "patch-runner-cache: writing $tmp failed: $!\n";
  chmod((stat $file)[2] & 07777, $tmp);
  rename($tmp, $file) or fail "patch-runner-cache: cannot replace $file: $!\n";
  print "patch-runner-cache: $file patched (ACTIONS_CACHE_URL and ACTIONS_CACHE_SERVICE_V2 are left to the runner'"'"'s environment)\n";
' "$target"
