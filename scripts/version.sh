#!/bin/sh
# Prints liblocust's version, which is written once: the three numbers in
# include/locust/locust.h. configure.ac reads it from here.
h=$(dirname "$0")/../include/locust/locust.h
v() { sed -n "s/^#define LOCUST_VERSION_$1 \([0-9][0-9]*\)$/\1/p" "$h"; }
printf '%s.%s.%s' "$(v MAJOR)" "$(v MINOR)" "$(v PATCH)"
