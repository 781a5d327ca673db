"""scaled.py — what pass.py and reload.py share: the scale generator's
rules for N organisations, a fresh database, `koyomi run`, and the wait
until every task is written and the daemon is idle."""
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "build/normal/koyomi")


def cpu(pid):
    """User and system CPU seconds of pid so far (/proc, 10 ms ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def logtext(w):
    with open(os.path.join(w, "log"), errors="replace") as f:
        return f.read()


def start(w, n, port):
    """Rules for n organisations in w/rules, koyomi run on port; returns
    (config path, process) once its tasks are written and it is idle
    (bounded: 10 minutes)."""
    rules = os.path.join(w, "rules")
    subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(n),
                    rules], check=True, stdout=subprocess.DEVNULL)
    conf = os.path.join(w, "koyomi.conf")
    with open(conf, "w") as f:
        f.write("listen: 127.0.0.1:%d\ndatabase: %s/k.db\n"
                "rules: %s\nmail_transport: maildir:%s/mail\n"
                "secret_key_file: %s/secret.key\nwatch_rules: false\n"
                % (port, w, rules, w, w))
    log = open(os.path.join(w, "log"), "wb")
    p = subprocess.Popen([KOYOMI, "-c", conf, "run"], stdout=log, stderr=log)
    end = time.time() + 600
    while time.time() < end and p.poll() is None and \
            "tasks: " not in logtext(w):
        time.sleep(1)
    if p.poll() is not None:
        sys.exit("koyomi exited (%s): %s" % (p.returncode, logtext(w)[-300:]))
    # Idle: the start's full pass and mails are over.
    last = cpu(p.pid)
    while time.time() < end:
        time.sleep(2)
        c = cpu(p.pid)
        if c - last < 0.02:
            break
        last = c
    return conf, p


def stop(p, w):
    """Stops the daemon (if it runs) and removes its folder."""
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        p.wait(30)
    shutil.rmtree(w, ignore_errors=True)
