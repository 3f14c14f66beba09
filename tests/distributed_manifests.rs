//! The Kubernetes and AWS Batch definitions in deploy/ cannot run here (no
//! cluster of either kind can start on this machine), so these tests parse
//! them and check the fields that make them an hf distributed render: the
//! index variable's mode, the chunk count agreeing with the plan step,
//! the commands, the shared volume, and refusals not retried.

use serde_json::Value;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

/// The value after `--chunks` in a plan command.
fn chunks_flag(cmd: &[String]) -> u64 {
    let i = cmd
        .iter()
        .position(|a| a == "--chunks")
        .expect("plan passes --chunks");
    cmd[i + 1].parse().expect("--chunks takes a number")
}

fn job<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Job {name}"))
}

fn container(job: &Value) -> &Value {
    &job["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn kubernetes_indexed_job_renders_every_chunk_of_the_plan() {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&read("deploy/k8s/hf-render.yaml")).expect("valid YAML");
    assert_eq!(docs.len(), 3, "plan, render and assemble Jobs");
    for d in &docs {
        assert_eq!(d["apiVersion"], "batch/v1");
        assert_eq!(d["kind"], "Job");
        let spec = &d["spec"]["template"]["spec"];
        assert_eq!(spec["restartPolicy"], "Never");
        assert_eq!(
            spec["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "hf-work"
        );
        assert_eq!(container(d)["volumeMounts"][0]["mountPath"], "/work");
    }
    let plan_cmd = strings(&container(job(&docs, "hf-plan"))["command"]);
    assert_eq!(plan_cmd[..2], ["hf", "plan"]);
    let plan_dir = &plan_cmd[plan_cmd.iter().position(|a| a == "--out").expect("--out") + 1];

    let render = job(&docs, "hf-render");
    assert_eq!(render["spec"]["completionMode"], "Indexed");
    assert_eq!(
        render["spec"]["completions"].as_u64(),
        Some(chunks_flag(&plan_cmd))
    );
    assert!(render["spec"]["parallelism"]
        .as_u64()
        .is_some_and(|p| p >= 1));
    let cmd = strings(&container(render)["command"]);
    assert_eq!(
        cmd,
        [
            "hf",
            "render-chunk",
            plan_dir.as_str(),
            "--chunk-from-env",
            "--retries",
            "2"
        ]
    );
    let rule = &render["spec"]["podFailurePolicy"]["rules"][0];
    assert_eq!(rule["action"], "FailIndex");
    let codes: Vec<u64> = rule["onExitCodes"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(codes, [2, 8], "bad index and refused plan are not retried");

    let asm = strings(&container(job(&docs, "hf-assemble"))["command"]);
    assert_eq!(asm[..3], ["hf", "assemble", plan_dir.as_str()]);
    assert_eq!(asm[3], "-o");
}

#[test]
fn aws_batch_array_job_renders_every_chunk_of_the_plan() {
    let def: Value =
        serde_json::from_str(&read("deploy/aws/job-definition.json")).expect("valid JSON");
    assert_eq!(def["type"], "container");
    let props = &def["containerProperties"];
    assert_eq!(props["mountPoints"][0]["containerPath"], "/work");
    assert_eq!(
        props["mountPoints"][0]["sourceVolume"],
        props["volumes"][0]["name"]
    );
    assert!(
        props["volumes"][0]["efsVolumeConfiguration"].is_object(),
        "shared storage is EFS"
    );
    let exits: Vec<(String, String)> = def["retryStrategy"]["evaluateOnExit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["onExitCode"].as_str().unwrap().into(),
                r["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        exits.contains(&("8".into(), "EXIT".into())),
        "a refused plan is not retried"
    );

    let plan: Value = serde_json::from_str(&read("deploy/aws/submit-plan.json")).unwrap();
    let render: Value = serde_json::from_str(&read("deploy/aws/submit-render.json")).unwrap();
    let asm: Value = serde_json::from_str(&read("deploy/aws/submit-assemble.json")).unwrap();
    for s in [&plan, &render, &asm] {
        assert_eq!(s["jobDefinition"], def["jobDefinitionName"]);
    }
    let plan_cmd = strings(&plan["containerOverrides"]["command"]);
    let plan_dir = &plan_cmd[plan_cmd.iter().position(|a| a == "--out").unwrap() + 1];
    assert_eq!(
        render["arrayProperties"]["size"].as_u64(),
        Some(chunks_flag(&plan_cmd))
    );
    assert_eq!(
        strings(&render["containerOverrides"]["command"]),
        [
            "hf",
            "render-chunk",
            plan_dir.as_str(),
            "--chunk-from-env",
            "--retries",
            "2"
        ]
    );
    assert_eq!(render["dependsOn"][0]["jobId"], "PLAN_JOB_ID");
    assert_eq!(
        asm["dependsOn"][0]["jobId"], "RENDER_ARRAY_JOB_ID",
        "assemble waits for the whole array"
    );
    assert_eq!(
        strings(&asm["containerOverrides"]["command"])[..3],
        ["hf", "assemble", plan_dir.as_str()]
    );
    let submit = read("deploy/aws/submit.sh");
    for f in [
        "submit-plan.json",
        "submit-render.json",
        "submit-assemble.json",
    ] {
        assert!(submit.contains(f), "submit.sh submits {f}");
    }
}
