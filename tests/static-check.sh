#!/bin/sh
# cppcheck and clang-tidy over every source file; any finding fails.
set -eu
SRCS=$(ls calendars/*.c rules/*.c notifier/*.c daemon/*/*.c 2>/dev/null)
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
    --std=c11 --inline-suppr -I. --suppress=missingIncludeSystem $SRCS
CF=$(pkg-config --cflags libical libcurl sqlite3 yaml-0.1 libmicrohttpd libcrypto libsystemd cmocka gmime-3.0 libzip 2>/dev/null)
clang-tidy --quiet --warnings-as-errors='*' \
    --checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition' \
    $SRCS -- -std=c17 -D_GNU_SOURCE -DKOYOMI_VERSION='"check"' -I. $CF
echo "static checks: clean"
