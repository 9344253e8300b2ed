"""A throwaway single-node Slurm cluster for tests: munged, slurmctld and slurmd on
127.0.0.1 with a generated slurm.conf in a temporary folder. Needs root and Debian's
slurmctld, slurmd, slurm-client and munge packages."""
import os
import shutil
import socket
import subprocess
import time


def why_not_available():
    """None if a cluster can be started here, else the reason."""
    missing = [b for b in ("slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "munged") if not shutil.which(b)]
    if missing:
        return "Slurm is not installed (missing " + ", ".join(missing) + "; apt-get install slurmctld slurmd slurm-client munge)"
    if os.geteuid() != 0:
        return "starting slurmd and munged needs root"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root):
        self.root = root
        self.conf = os.path.join(root, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.processes = []
        self.started_munged = False

    def start(self, timeout=60):
        for d in ("state", "spool", "log"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        node = socket.gethostname().split(".")[0]
        cpus = os.cpu_count() or 1
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=tiersimtest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={self.root}/state
SlurmdSpoolDir={self.root}/spool
SlurmctldPidFile={self.root}/slurmctld.pid
SlurmdPidFile={self.root}/slurmd.pid
SlurmctldLogFile={self.root}/log/slurmctld.log
SlurmdLogFile={self.root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
SlurmdParameters=config_overrides
JobCompType=jobcomp/none
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
""")
        os.makedirs("/run/munge", exist_ok=True)
        if subprocess.run(["pgrep", "-x", "munged"], capture_output=True).returncode != 0:
            subprocess.run(["munged", "--force"], check=True, capture_output=True)
            self.started_munged = True
        for daemon in (["slurmctld", "-D", "-i", "-f", self.conf], ["slurmd", "-D", "-f", self.conf]):
            with open(os.path.join(self.root, "log", daemon[0] + ".out"), "w") as log:
                self.processes.append(subprocess.Popen(daemon, stdout=log, stderr=subprocess.STDOUT, env=self.env))
            time.sleep(0.5)
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=self.env)
            if p.returncode == 0 and p.stdout.strip() in ("idle", "mixed", "allocated"):
                return
            for proc in self.processes:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args[0]} exited: {self.logs()}")
            time.sleep(0.5)
        raise RuntimeError("the Slurm node did not become idle: " + self.logs())

    def wait_for_jobs(self, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = subprocess.run(["squeue", "-h"], capture_output=True, text=True, env=self.env)
            if p.returncode == 0 and not p.stdout.strip():
                return
            time.sleep(0.5)
        raise RuntimeError("jobs did not finish: " + self.logs())

    def logs(self):
        text = ""
        for name in sorted(os.listdir(os.path.join(self.root, "log"))):
            with open(os.path.join(self.root, "log", name), errors="replace") as f:
                text += f"\n--- {name}\n" + f.read()[-3000:]
        return text

    def stop(self):
        subprocess.run(["scontrol", "shutdown"], capture_output=True, env=self.env)
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.started_munged:
            subprocess.run(["pkill", "-x", "munged"], capture_output=True)
