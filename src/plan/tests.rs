use super::*;

fn plan(workload: &str, models: &str, tasks: &[usize], repeat: usize) -> Plan {
    let models = models.split(',').map(|m| m.parse().unwrap()).collect();
    let mut request = PlanRequest::new(vec![workload.parse().unwrap()], Some(models), tasks.to_vec());
    request.repeat = repeat;
    Plan::new(request).unwrap()
}

#[test]
fn repeats_interleave_models() {
    let p = plan("sleep:1ms", "rs-thread,rs-async", &[10, 1], 2);
    let order: Vec<_> = p.cells().iter().map(|c| (c.tasks, c.repeat, c.model)).collect();
    assert_eq!(
        order,
        vec![
            (1, 0, 0),
            (1, 0, 1),
            (1, 1, 0),
            (1, 1, 1),
            (10, 0, 0),
            (10, 0, 1),
            (10, 1, 0),
            (10, 1, 1)
        ]
    );
}

#[test]
fn shards_partition_the_plan_by_rounds() {
    let mut p = plan("sleep:1ms", "rs-thread,rs-async", &[1, 2, 3], 2);
    let all = p.cells();
    let fingerprint = p.fingerprint();
    let mut seen = Vec::new();
    for index in 0..4 {
        p.shard = Some(Shard { index, count: 4 });
        let part = p.shard_cells();
        // Whole rounds: each repeat of a task count has every model, in order.
        for round in part.chunks(2) {
            assert_eq!((round[0].model, round[1].model), (0, 1));
            assert_eq!((round[0].tasks, round[0].repeat), (round[1].tasks, round[1].repeat));
        }
        assert_eq!(p.baseline_models(), vec![0, 1]);
        assert_eq!(p.fingerprint(), fingerprint, "the shard is not part of the plan");
        seen.extend(part);
    }
    assert_eq!(seen.len(), all.len());
    assert!(all.iter().all(|c| seen.contains(c)));
    // More slices than rounds: the last ones run nothing, not even baselines.
    p.shard = Some(Shard { index: 6, count: 7 });
    assert!(p.shard_cells().is_empty() && p.baseline_models().is_empty());
    assert_ne!(plan("sleep:1ms", "rs-thread", &[1, 2, 3], 2).fingerprint(), fingerprint);
}

#[test]
fn queueing_models_get_time_to_drain() {
    let p = plan("sleep:200ms", "rs-pool:size=4,rs-async", &[1000], 1);
    let cells = p.cells();
    assert_eq!(p.least_time(&cells[0]), Duration::from_millis(200 * 250));
    assert_eq!(p.timeout_for(&cells[0]), Duration::from_secs(110));
    assert_eq!(p.timeout_for(&cells[1]), Duration::from_millis(60_200));
}

#[test]
fn url_lists_name_the_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("urls.txt");
    std::fs::write(
        &file,
        "# targets\nhttp://127.0.0.1:8080/a\n\nhttp://127.0.0.1:8080/b  # second\n",
    )
    .unwrap();
    assert_eq!(
        read_url_list(&file).unwrap(),
        vec!["http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"]
    );
    std::fs::write(&file, "http://127.0.0.1:8080/a\nftp://nope\n").unwrap();
    let err = read_url_list(&file).unwrap_err().to_string();
    assert!(err.contains("urls.txt:2:"), "{err}");
    std::fs::write(&file, "# nothing\n").unwrap();
    assert!(read_url_list(&file).unwrap_err().to_string().contains("no URLs"));
}

#[test]
fn defaults_cover_every_rust_model() {
    let p = Plan::new(PlanRequest::new(default_workloads(), None, DEFAULT_TASKS.to_vec())).unwrap();
    let specs: Vec<String> = p.models.iter().map(|m| m.name()).collect();
    for m in REGISTRY {
        assert!(specs.contains(&m.name.to_string()), "{specs:?}");
    }
    for py in DEFAULT_PYTHON_MODELS {
        assert!(specs.contains(&py.to_string()), "python3 is installed here: {specs:?}");
    }
    assert!(p.models.iter().all(|m| m.spec.is_python() == m.interpreter.is_some()));
    assert!(p.needs_own_server());
}

#[test]
fn workloads_can_run_at_their_own_counts() {
    let mut request = PlanRequest::new(
        default_workloads(),
        Some(vec!["rs-thread".parse().unwrap(), "rs-async".parse().unwrap()]),
        DEFAULT_TASKS.to_vec(),
    );
    let whole = Plan::new(request.clone()).unwrap().fingerprint();
    request.repeat = 2;
    request.tasks_of = default_workloads()
        .into_iter()
        .zip(DEFAULT_SWEEP_TASKS.iter().map(|t| t.to_vec()))
        .collect();
    let mut p = Plan::new(request).unwrap();
    assert_eq!(p.tasks, vec![10, 1_000, 5_000]);
    let points: Vec<(usize, usize)> = p.cells().iter().map(|c| (c.workload, c.tasks)).collect();
    let distinct: std::collections::BTreeSet<_> = points.iter().copied().collect();
    assert_eq!(
        distinct.into_iter().collect::<Vec<_>>(),
        vec![(0, 10), (0, 1_000), (0, 5_000), (1, 1_000)]
    );
    assert_eq!(points.len(), 4 * 2 * 2, "points × repeats × models");
    let sleep = p.workloads[1].to_string();
    assert_eq!(p.tasks_of().into_iter().collect::<Vec<_>>(), vec![(sleep, vec![1_000])]);
    assert_ne!(p.fingerprint(), whole);
    // Shards still partition the cells, whole rounds each.
    let all = p.cells();
    let mut seen = Vec::new();
    for index in 0..3 {
        p.shard = Some(Shard { index, count: 3 });
        let part = p.shard_cells();
        assert!(!part.is_empty());
        seen.extend(part);
    }
    assert_eq!(seen.len(), all.len());
    assert!(all.iter().all(|c| seen.contains(c)));
}
