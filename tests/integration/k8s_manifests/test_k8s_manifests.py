#!/usr/bin/python3
"""deploy/kubernetes/ and the Containerfile checked without a cluster (issue 14). CI has no
Kubernetes, no container engine and no registry, so nothing here is applied or built; instead:

- every document parses (python3-yaml, safe_load_all), has apiVersion, kind and metadata.name,
  no namespace, and only field names of the Kubernetes API in the places a typo would be
  silently ignored by nothing but a real cluster (a typo guard, not a schema validation);
- the generators Job is Indexed, completions == parallelism == the scenario's "shards";
- the generator's command (entrypoint + args) is the one README's "Running on Kubernetes"
  documents (the block after `<!-- k8s-generator-command -->`), likewise the merge's; every
  $(VAR) in it is one Kubernetes sets in that pod (the Indexed Job's JOB_COMPLETION_INDEX, a
  manifest Service's variables, the container's env); RELAYLAB_RUN_ID comes from the Job's uid;
- volumes: every mount names a volume of its pod, every ConfigMap and claim exists;
- the Service selects the receiver's pods and targets its container ports, which are those
  fake-mx listens on; the merge's --receiver is that Service's api port;
- the ConfigMap's scenario is scenarios/sharded-load.json byte for byte;
- the Containerfile: `FROM debian:12 AS x`, a `FROM debian:12-slim` runtime copying from x,
  ENTRYPOINT ["relaylab"], a non-root uid that the pods' runAsUser names, the build packages of
  scripts/bootstrap.sh;
- the generator command run as a pod runs it (the variables filled in as Kubernetes would,
  /scenario and /reports mapped to the repository and a scratch folder; --scale 0.0001) against
  a loopback port nobody listens on: the scenario and options are accepted (not exit 2), the
  shard comes from JOB_COMPLETION_INDEX and the run id from RELAYLAB_RUN_ID (report.json), and
  the run breaks (exit 3) only for want of a receiver.

Debian's /usr/bin/python3 with python3-yaml (absent: skipped, a failure under CI=true);
loopback only; the one process started is waited for with a bound.

usage: test_k8s_manifests.py --relaylab PATH [unittest options]
"""

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import skip  # noqa: E402  tests/lib/skip.py: the one skip rule

MANIFESTS = os.path.join(REPO, "deploy", "kubernetes")
README = os.path.join(REPO, "README.md")
CONTAINERFILE = os.path.join(REPO, "Containerfile")
SCENARIO = os.path.join(REPO, "scenarios", "sharded-load.json")
BOOTSTRAP = os.path.join(REPO, "scripts", "bootstrap.sh")
README_SECTION = "## Running on Kubernetes"
GENERATOR_MARK = "<!-- k8s-generator-command -->"
MERGE_MARK = "<!-- k8s-merge-command -->"
RUN_TIMEOUT = 90  # one generator, 10 messages, closed port: ~5 s (the ramp-up); ASan, busy CI

# Field names of the Kubernetes API (batch/v1 JobSpec, apps/v1 DeploymentSpec, core/v1 PodSpec,
# Container, ServiceSpec, ServicePort, Volume) that these manifests may use. A cluster rejects
# (or worse, with client-side apply of an old kubectl, drops) a misspelt one; nothing here can.
JOB_SPEC = {"activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode",
            "completions", "managedBy", "manualSelector", "maxFailedIndexes", "parallelism",
            "podFailurePolicy", "podReplacementPolicy", "selector", "successPolicy", "suspend",
            "template", "ttlSecondsAfterFinished"}
DEPLOYMENT_SPEC = {"minReadySeconds", "paused", "progressDeadlineSeconds", "replicas",
                   "revisionHistoryLimit", "selector", "strategy", "template"}
POD_SPEC = {"activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers",
            "dnsConfig", "dnsPolicy", "enableServiceLinks", "hostname", "imagePullSecrets",
            "initContainers", "nodeName", "nodeSelector", "priorityClassName", "restartPolicy",
            "securityContext", "serviceAccountName", "subdomain", "terminationGracePeriodSeconds",
            "tolerations", "topologySpreadConstraints", "volumes"}
CONTAINER = {"args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle",
             "livenessProbe", "name", "ports", "readinessProbe", "resources", "securityContext",
             "startupProbe", "stdin", "terminationMessagePath", "terminationMessagePolicy", "tty",
             "volumeMounts", "workingDir"}
SERVICE_SPEC = {"clusterIP", "externalTrafficPolicy", "internalTrafficPolicy", "ports",
                "publishNotReadyAddresses", "selector", "sessionAffinity", "type"}
SERVICE_PORT = {"appProtocol", "name", "nodePort", "port", "protocol", "targetPort"}
VOLUME_SOURCES = {"configMap", "emptyDir", "persistentVolumeClaim", "secret", "downwardAPI",
                  "projected", "hostPath", "nfs"}

yaml = None  # python3-yaml, imported by main() (absent: the skip rule)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def load_documents():
    """[(file name, document)] of every deploy/kubernetes/*.yaml, in file order."""
    documents = []
    for path in sorted(glob.glob(os.path.join(MANIFESTS, "*.yaml"))):
        for document in yaml.safe_load_all(read(path)):
            if document is not None:
                documents.append((os.path.basename(path), document))
    return documents


def readme_section():
    text = read(README)
    start = text.index(README_SECTION + "\n")
    end = text.find("\n## ", start + len(README_SECTION))
    return text[start:] if end < 0 else text[start:end]


def marked_command(section, mark):
    """The command of the fenced block right after the marker line: its words (shlex)."""
    lines = section.splitlines()
    places = [i for i, line in enumerate(lines) if line.strip() == mark]
    if len(places) != 1:
        raise AssertionError("README's %r section has %d lines %s, want 1"
                             % (README_SECTION, len(places), mark))
    i = places[0] + 1
    if i >= len(lines) or not lines[i].startswith("```"):
        raise AssertionError("README: %s is not followed by a fenced block" % mark)
    body = []
    i += 1
    while i < len(lines) and not lines[i].startswith("```"):
        body.append(lines[i])
        i += 1
    text = " ".join(line.rstrip().rstrip("\\") for line in body if line.strip())
    return shlex.split(text)


def expand_kubernetes(text, env):
    """$(VAR) as Kubernetes expands it in command and args: a defined variable is replaced,
    $$ is a literal $, anything else stays as written."""
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", replace, text)


def service_variables(service):
    """The variables Kubernetes sets in pods for a Service that exists when they start."""
    prefix = service["metadata"]["name"].upper().replace("-", "_")
    ports = service["spec"]["ports"]
    names = {prefix + "_SERVICE_HOST", prefix + "_SERVICE_PORT"}
    for port in ports:
        if "name" in port:
            names.add(prefix + "_SERVICE_PORT_" + port["name"].upper().replace("-", "_"))
    return names


def option_value(args, option):
    """The word after `option` in args (None when absent)."""
    if option not in args:
        return None
    i = args.index(option)
    return args[i + 1] if i + 1 < len(args) else None


class K8sManifests(unittest.TestCase):
    relaylab = None

    @classmethod
    def setUpClass(cls):
        cls.documents = load_documents()
        cls.by_kind_name = {(d["kind"], d["metadata"]["name"]): d for _, d in cls.documents
                            if isinstance(d, dict) and "kind" in d and "metadata" in d}
        cls.section = readme_section()
        cls.scenario_text = read(SCENARIO)
        cls.scenario = json.loads(cls.scenario_text)

    # -- helpers ---------------------------------------------------------------------------

    def get(self, kind, name):
        document = self.by_kind_name.get((kind, name))
        self.assertIsNotNone(document, "deploy/kubernetes/ has no %s %s" % (kind, name))
        return document

    def of_kind(self, kind):
        return [d for _, d in self.documents if d.get("kind") == kind]

    def pod_specs(self):
        """(workload name, pod spec) of every Deployment and Job."""
        return [(d["metadata"]["name"], d["spec"]["template"]["spec"]) for _, d in self.documents
                if d.get("kind") in ("Deployment", "Job")]

    def container(self, workload_kind, name):
        containers = self.get(workload_kind, name)["spec"]["template"]["spec"]["containers"]
        self.assertEqual(len(containers), 1, "%s %s: want one container" % (workload_kind, name))
        return containers[0]

    def containerfile_entrypoint(self):
        match = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", read(CONTAINERFILE), re.M)
        self.assertIsNotNone(match, "Containerfile has no ENTRYPOINT [...] (exec form)")
        return json.loads(match.group(1))

    def generators(self):
        return self.get("Job", "relaylab-generators")

    def receiver_service(self):
        return self.get("Service", "relaylab-fakemx")

    # -- every document --------------------------------------------------------------------

    def test_every_document_parses_and_is_named(self):
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(MANIFESTS, "*.yaml")))
        self.assertEqual(files, ["fakemx.yaml", "generators-job.yaml", "merge-job.yaml",
                                 "reports-pvc.yaml", "scenario-configmap.yaml"])
        for file, document in self.documents:
            self.assertIsInstance(document, dict, "%s: a document that is not a mapping" % file)
            for key in ("apiVersion", "kind", "metadata"):
                self.assertIn(key, document, "%s: a document without %s" % (file, key))
            self.assertTrue(document["metadata"].get("name"),
                            "%s: %s without metadata.name" % (file, document["kind"]))
            # Namespace-free: `kubectl -n` or the context decides where they go.
            self.assertNotIn("namespace", document["metadata"],
                             "%s: %s names a namespace" % (file, document["metadata"]["name"]))
        self.assertEqual(len(self.by_kind_name), len(self.documents), "a kind/name twice")

    def test_field_names_are_the_apis(self):
        def check(where, mapping, known):
            unknown = sorted(set(mapping) - known)
            self.assertEqual(unknown, [], "%s: field names Kubernetes does not have" % where)

        for _, document in self.documents:
            name = "%s %s" % (document["kind"], document["metadata"]["name"])
            spec = document.get("spec", {})
            if document["kind"] == "Job":
                check(name + " spec", spec, JOB_SPEC)
            elif document["kind"] == "Deployment":
                check(name + " spec", spec, DEPLOYMENT_SPEC)
            elif document["kind"] == "Service":
                check(name + " spec", spec, SERVICE_SPEC)
                for port in spec["ports"]:
                    check(name + " port", port, SERVICE_PORT)
            if document["kind"] in ("Job", "Deployment"):
                pod = spec["template"]["spec"]
                check(name + " pod spec", pod, POD_SPEC)
                for container in pod["containers"]:
                    check("%s container %s" % (name, container.get("name")), container, CONTAINER)
                for volume in pod.get("volumes", []):
                    check("%s volume %s" % (name, volume.get("name")), volume,
                          VOLUME_SOURCES | {"name"})

    # -- the generators --------------------------------------------------------------------

    def test_generators_are_an_indexed_job_of_one_pod_per_shard(self):
        spec = self.generators()["spec"]
        self.assertEqual(spec.get("completionMode"), "Indexed")
        shards = self.scenario.get("shards")
        self.assertIsInstance(shards, int, "scenarios/sharded-load.json has no \"shards\"")
        self.assertEqual(spec.get("completions"), shards,
                         "completions %r, want the scenario's shards %d" %
                         (spec.get("completions"), shards))
        self.assertEqual(spec.get("parallelism"), shards,
                         "parallelism %r, want %d: every shard at once, on the run's schedule" %
                         (spec.get("parallelism"), shards))
        # The ConfigMap's copy is the one the pods read.
        configmap = json.loads(
            self.get("ConfigMap", "relaylab-scenario")["data"]["sharded-load.json"])
        self.assertEqual(configmap.get("shards"), shards)
        self.assertEqual(spec["template"]["spec"].get("restartPolicy"), "Never",
                         "podFailurePolicy needs restartPolicy Never")

    def test_the_generator_command_is_the_one_readme_documents(self):
        container = self.container("Job", "relaylab-generators")
        command = container.get("command") or self.containerfile_entrypoint()
        documented = marked_command(self.section, GENERATOR_MARK)
        self.assertEqual(command + container.get("args", []), documented,
                         "generators-job.yaml's command+args, want README's")
        self.assertIn("--send-only", documented)
        self.assertTrue(option_value(documented, "--report-dir").startswith("/reports/"))
        # The scenario file is the ConfigMap's key at the mount point.
        scenario_path = documented[2]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        directory, key = os.path.split(scenario_path)
        self.assertIn(directory, mounts, "%s is not under a volume mount" % scenario_path)
        volumes = {v["name"]: v for v in self.generators()["spec"]["template"]["spec"]["volumes"]}
        configmap = volumes[mounts[directory]].get("configMap")
        self.assertIsNotNone(configmap, "%s: want the scenario ConfigMap mounted" % directory)
        self.assertIn(key, self.get("ConfigMap", configmap["name"])["data"])

    def test_every_variable_of_the_command_is_set_in_the_pod(self):
        job = self.generators()
        container = self.container("Job", "relaylab-generators")
        pod = job["spec"]["template"]["spec"]
        self.assertNotEqual(pod.get("enableServiceLinks"), False,
                            "the command reads the Service's variables")
        available = {"JOB_COMPLETION_INDEX"}  # set by an Indexed Job in each pod
        for service in self.of_kind("Service"):
            available |= service_variables(service)
        available |= {e["name"] for e in container.get("env", [])}
        used = set()
        for word in container.get("args", []) + container.get("command", []):
            used |= set(re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", word))
        self.assertIn("JOB_COMPLETION_INDEX", used, "the report dir must differ per shard")
        self.assertEqual(sorted(used - available), [],
                         "variables no one sets in the pod (Kubernetes would leave $(X) as is)")
        # --relay: the receiver Service by name, at its SMTP port; a pod waits for it.
        relay = option_value(container["args"], "--relay")
        service = self.receiver_service()
        smtp = [p["port"] for p in service["spec"]["ports"] if p.get("name") == "smtp"]
        self.assertEqual(relay, "%s:%d" % (service["metadata"]["name"], smtp[0]))
        self.assertIsNotNone(option_value(container["args"], "--relay-wait"))

    def test_the_run_id_is_the_jobs_uid(self):
        container = self.container("Job", "relaylab-generators")
        env = {e["name"]: e for e in container.get("env", [])}
        self.assertIn("RELAYLAB_RUN_ID", env)
        self.assertEqual(env["RELAYLAB_RUN_ID"].get("valueFrom", {}).get("fieldRef", {})
                         .get("fieldPath"),
                         "metadata.labels['batch.kubernetes.io/controller-uid']")

    # -- volumes ---------------------------------------------------------------------------

    def test_every_mount_names_a_volume_that_exists(self):
        for workload, pod in self.pod_specs():
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            for container in pod["containers"]:
                for mount in container.get("volumeMounts", []):
                    self.assertIn(mount["name"], volumes, "%s/%s mounts %s: no such volume" %
                                  (workload, container["name"], mount["name"]))
            for name, volume in volumes.items():
                if "configMap" in volume:
                    self.get("ConfigMap", volume["configMap"]["name"])
                if "persistentVolumeClaim" in volume:
                    self.get("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
        # Generators and merge share the reports volume at the same path.
        for job in ("relaylab-generators", "relaylab-merge"):
            pod = self.get("Job", job)["spec"]["template"]["spec"]
            claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
                      for v in pod["volumes"] if "persistentVolumeClaim" in v}
            mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
            self.assertEqual(claims.get(mounts.get("/reports")), "relaylab-reports",
                             "%s: /reports is not the claim relaylab-reports" % job)
        pvc = self.get("PersistentVolumeClaim", "relaylab-reports")
        self.assertIn("ReadWriteMany", pvc["spec"]["accessModes"])

    # -- the receiver ----------------------------------------------------------------------

    def test_the_service_selects_the_receiver_and_targets_its_ports(self):
        deployment = self.get("Deployment", "relaylab-fakemx")
        self.assertEqual(deployment["spec"].get("replicas"), 1)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        self.assertLessEqual(selector.items(), labels.items(), "the Deployment's selector")
        service = self.receiver_service()
        self.assertTrue(service["spec"]["selector"])
        self.assertLessEqual(service["spec"]["selector"].items(), labels.items(),
                             "the Service selects pods the Deployment does not make")
        container = self.container("Deployment", "relaylab-fakemx")
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if isinstance(target, str):
                self.assertIn(target, ports, "Service port %s targets no container port" %
                              port.get("name"))
            else:
                self.assertIn(target, ports.values())
        by_name = {p["name"]: p for p in service["spec"]["ports"]}
        self.assertEqual(sorted(by_name), ["api", "smtp"])
        # fake-mx listens where the ports say.
        args = container["args"]
        self.assertEqual(args[0], "fake-mx")
        self.assertTrue(option_value(args, "--listen").endswith(":%d" % ports["smtp"]))
        self.assertTrue(option_value(args, "--api").endswith(":%d" % ports["api"]))
        self.assertFalse(option_value(args, "--listen").startswith("127."),
                         "a receiver on loopback is unreachable from other pods")
        probe = container["readinessProbe"]["httpGet"]
        self.assertEqual(probe["path"], "/api/v1/stats")
        self.assertIn(probe["port"], ("api", ports["api"]))

    # -- the merge -------------------------------------------------------------------------

    def test_the_merge_runs_readmes_command_against_the_services_api(self):
        container = self.container("Job", "relaylab-merge")
        self.assertEqual(container.get("command"), ["sh", "-c"], "the glob needs a shell")
        script = " ".join(container["args"]).strip()
        self.assertTrue(script.startswith("exec "), "exec: the merge's exit code is the pod's")
        words = shlex.split(script[len("exec "):])
        self.assertEqual(words, marked_command(self.section, MERGE_MARK))
        self.assertEqual(words[:3], ["relaylab", "report", "merge"])
        report_dir = option_value(self.container("Job", "relaylab-generators")["args"],
                                  "--report-dir")
        shard_glob = report_dir.replace("$(JOB_COMPLETION_INDEX)", "*") + "/report.json"
        self.assertIn(shard_glob, words, "the merge reads what the generators write")
        url = urllib.parse.urlsplit(option_value(words, "--receiver"))
        service = self.receiver_service()
        self.assertEqual(url.hostname, service["metadata"]["name"])
        api = [p for p in service["spec"]["ports"] if p["name"] == "api"][0]
        self.assertEqual(url.port, api["port"])
        self.assertEqual(self.get("Job", "relaylab-merge")["spec"].get("completionMode",
                                                                       "NonIndexed"),
                         "NonIndexed")

    # -- the scenario ----------------------------------------------------------------------

    def test_the_configmap_carries_the_shipped_scenario_byte_for_byte(self):
        data = self.get("ConfigMap", "relaylab-scenario")["data"]
        self.assertEqual(list(data), ["sharded-load.json"])
        self.assertEqual(data["sharded-load.json"], self.scenario_text,
                         "scenario-configmap.yaml and scenarios/sharded-load.json differ")
        self.assertEqual(self.scenario["relay"]["kind"], "external",
                         "--send-only needs an external relay")

    # -- README ----------------------------------------------------------------------------

    def test_readme_applies_every_manifest(self):
        for path in glob.glob(os.path.join(MANIFESTS, "*.yaml")):
            name = "deploy/kubernetes/" + os.path.basename(path)
            self.assertRegex(self.section, r"kubectl apply (-f \S+ )*-f %s\b" % re.escape(name),
                             "README's Running on Kubernetes does not apply " + name)
        # The order: receiver, generators, their completion, then the merge.
        order = ["-f deploy/kubernetes/fakemx.yaml",
                 "kubectl rollout status deployment/relaylab-fakemx",
                 "kubectl apply -f deploy/kubernetes/generators-job.yaml",
                 "kubectl wait --for=condition=complete job/relaylab-generators",
                 "kubectl apply -f deploy/kubernetes/merge-job.yaml"]
        places = [self.section.find(step) for step in order]
        self.assertNotIn(-1, places, "README lacks a step of %r" % order)
        self.assertEqual(places, sorted(places), "README's apply order, want %r" % order)

    # -- the Containerfile -----------------------------------------------------------------

    def test_containerfile_builds_on_debian_12_and_runs_on_slim(self):
        text = read(CONTAINERFILE)
        froms = re.findall(r"^FROM\s+(.*?)\s*$", text, re.M)
        self.assertEqual(len(froms), 2, "want two stages: %r" % froms)
        build = re.fullmatch(r"debian:12\s+AS\s+(\S+)", froms[0], re.I)
        self.assertIsNotNone(build, "first stage: want `FROM debian:12 AS name`, got %r" %
                             froms[0])
        self.assertEqual(froms[1], "debian:12-slim")
        runtime = text[text.rindex("FROM debian:12-slim"):]
        self.assertRegex(runtime, r"COPY\s+--from=%s\s" % re.escape(build.group(1)))
        self.assertEqual(self.containerfile_entrypoint(), ["relaylab"])
        self.assertIn("-DRELAYLAB_TESTS=OFF", text)
        for package in ("libssl3", "libldns3", "libpsl5", "publicsuffix", "ca-certificates"):
            self.assertRegex(runtime, r"\b%s\b" % re.escape(package))
        self.assertRegex(runtime, r"/usr/share/relaylab/scenarios")
        users = re.findall(r"^USER\s+(\d+)(?::(\d+))?\s*$", runtime, re.M)
        self.assertEqual(len(users), 1, "want one numeric USER (runAsNonRoot checks it)")
        uid = int(users[0][0])
        self.assertNotEqual(uid, 0)
        for workload, pod in self.pod_specs():
            context = pod.get("securityContext", {})
            self.assertTrue(context.get("runAsNonRoot"), workload)
            self.assertEqual(context.get("runAsUser"), uid, workload)

    def test_containerfile_builds_with_bootstraps_packages(self):
        match = re.search(r"^build_packages=\((.*?)\)", read(BOOTSTRAP), re.M | re.S)
        self.assertIsNotNone(match, "scripts/bootstrap.sh has no build_packages=(...)")
        wanted = set(match.group(1).split())
        text = read(CONTAINERFILE)
        build_stage = text[:text.rindex("FROM debian:12-slim")]
        install = re.search(r"apt-get install(.*?)&& rm", build_stage, re.S)
        self.assertIsNotNone(install)
        words = set(install.group(1).replace("\\", " ").split()) - {"-y", "--no-install-recommends"}
        self.assertEqual(words, wanted, "the build stage's packages, want bootstrap.sh's")

    def test_ignore_files_leave_build_trees_out(self):
        def rules(name):
            text = read(os.path.join(REPO, name))
            return [l for l in text.splitlines() if l.strip() and not l.startswith("#")]

        container = rules(".containerignore")
        self.assertEqual(container, rules(".dockerignore"))
        for rule in ("build", "build-*", ".git"):
            self.assertIn(rule, container)

    # -- the command, run as a pod would ---------------------------------------------------

    def test_the_generator_command_runs_as_a_pod_would(self):
        container = self.container("Job", "relaylab-generators")
        scratch = tempfile.mkdtemp(prefix="relaylab-k8s-")
        self.addCleanup(shutil.rmtree, scratch, True)
        # A loopback port bound but not listening: connecting is refused at once.
        closed = socket.socket()
        self.addCleanup(closed.close)
        closed.bind(("127.0.0.1", 0))
        index, shards = 2, self.scenario["shards"]
        run_id = "5f0c6a1e-2b7d-4c8e-9a3f-0d1e2f3a4b5c"  # the shape of a Job's uid
        env = {"JOB_COMPLETION_INDEX": str(index)}
        args = [expand_kubernetes(a, env) for a in container["args"]]
        # The Service's name and port become the closed loopback port; a short wait for it.
        args[args.index("--relay") + 1] = "127.0.0.1:%d" % closed.getsockname()[1]
        args[args.index("--relay-wait") + 1] = "1s"
        args = [a.replace("/scenario/", os.path.join(REPO, "scenarios") + "/")
                 .replace("/reports/", scratch + "/") for a in args]
        # --scale: 40 messages in all (10 for this shard); the run ends before the first (the
        # relay never takes a connection), but a smaller run is cheaper if that ever changes.
        args += ["--scale", "0.0001"]
        process_env = dict(os.environ, JOB_COMPLETION_INDEX=str(index), RELAYLAB_RUN_ID=run_id)
        done = subprocess.run([self.relaylab] + args, env=process_env, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
        output = (done.stdout + done.stderr).decode("utf-8", "replace")[-2000:]
        self.assertNotEqual(done.returncode, 2, "the command or scenario refused: " + output)
        self.assertEqual(done.returncode, 3, "want exit 3 (no receiver): " + output)
        report = os.path.join(scratch, "shard-%d" % index, "report.json")
        self.assertTrue(os.path.exists(report), "no report at %s: %s" % (report, output))
        with open(report, encoding="utf-8") as f:
            document = json.load(f)
        self.assertEqual((document["shard"]["index"], document["shard"]["count"]),
                         (index, shards))
        self.assertEqual(document["shard"]["role"], "generator")
        self.assertEqual(document["run_id"], run_id)
        self.assertIn("reach the relay", document.get("error", ""))


def main():
    global yaml
    parser = argparse.ArgumentParser()
    parser.add_argument("--relaylab", required=True)
    options, rest = parser.parse_known_args()
    try:
        import yaml as module
    except ImportError as e:
        skip.exit_missing("/usr/bin/python3 cannot import yaml (%s) (Debian package python3-yaml)"
                          % e)
    yaml = module
    K8sManifests.relaylab = os.path.abspath(options.relaylab)
    skip.run_tests([sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
