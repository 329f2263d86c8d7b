import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime

/// `instances = N` templates in the daemon (SPEC 10): the config's services
/// with each template expanded to the copies it runs now, and `ppm-lua
/// scale NAME N`, which starts or stops only the difference and persists the
/// count (a config that later says another count wins over it).
extension Daemon {
    /// The copies each template of `declared` runs: a persisted `scale`
    /// made while the config said what it says now, else the config's count.
    func instanceCounts(for declared: [ServiceSpec]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for spec in declared {
            guard let configured = spec.instances else { continue }
            if let scale = store.scales[spec.name], scale.configured == configured {
                counts[spec.name] = scale.count
            } else {
                counts[spec.name] = configured
            }
        }
        return counts
    }

    /// Forgets the `scale` choices the config overrode (another count, or
    /// no template of that name any more).
    func forgetOverriddenScales(_ declared: [ServiceSpec]) {
        let configured = Dictionary(declared.compactMap { s in s.instances.map { (s.name, $0) } }, uniquingKeysWith: { a, _ in a })
        for (name, scale) in store.scales where configured[name] != scale.configured {
            store.apply(.scaled(name, count: nil, configured: 0))
        }
    }

    /// The config's services as they run (templates expanded with `counts`),
    /// each with its Lua functions' sources (a copy has its template's).
    func configuredServices(_ declared: [ServiceSpec], hookSources: [String: [String]], counts: [String: Int]) -> [ConfiguredService] {
        ServiceInstances.expand(declared, counts: counts).map { spec in
            let source = spec.instance != nil ? ServiceInstances.split(spec.name)?.template ?? spec.name : spec.name
            return ConfiguredService(spec: spec, hookSources: hookSources[source] ?? [])
        }
    }

    /// Remembers the config's templates (requires resolved) and the copies they run.
    func noteTemplates(_ declared: [ServiceSpec], hookSources: [String: [String]], counts: [String: Int]) {
        templates = [:]
        for spec in ServiceInstances.resolvingRequires(declared, counts: counts) where spec.instances != nil {
            templates[spec.name] = ConfiguredService(spec: spec, hookSources: hookSources[spec.name] ?? [])
        }
        instanceCounts = counts
    }

    /// `scale NAME N`: starts copies up to N or stops those above it; the
    /// count is on disk before anything changes and the client hears of it.
    func scale(_ request: ControlRequest, _ reply: @escaping ControlService.Reply) {
        guard let name = request.string("name") else { return reply(.failure(ControlFailure("scale needs a service: ppm-lua scale NAME N"))) }
        let limit = ServiceInstances.maximum
        guard let count = request.args["count"]?.intValue.map({ Int($0) }), (1...limit).contains(count) else {
            let given = request.args["count"].map { $0.stringValue ?? $0.text } ?? "nothing"
            return reply(.failure(ControlFailure("scale: the count must be a whole number from 1 to \(limit), got \(given)")))
        }
        guard let template = templates[name], let configuredCount = template.spec.instances else {
            if supervisor.snapshot(name) != nil {
                return reply(.failure(ControlFailure("'\(name)' has no instances: only a service declared with instances = N scales")))
            }
            return reply(.failure(ControlFailure("unknown service '\(name)'")))
        }
        if quitting { return reply(.failure(ControlFailure("the daemon is shutting down"))) }
        let current = instanceCounts[name] ?? configuredCount
        // Copies 1…N run afterwards (one removed with `rm` comes back), none above N.
        var added: [ServiceSpec] = []
        for number in 1...count {
            let copy = ServiceInstances.name(name, number)
            if supervisor.snapshot(copy) != nil || host.isPending(copy) {
                guard configured[copy]?.spec.instance != nil else {
                    return reply(.failure(ControlFailure("'\(copy)' already exists as another service; '\(name)' not scaled")))
                }
            } else {
                added.append(ServiceInstances.copy(number, of: template.spec))
            }
        }
        let removed = count < current ? ((count + 1)...current).map { ServiceInstances.name(name, $0) }.filter { supervisor.snapshot($0) != nil } : []
        let change = StateChange.scaled(name, count: count == configuredCount ? nil : count, configured: configuredCount)
        control.durably([change], reply, unchanged: "'\(name)' not scaled") { [self] in
            instanceCounts[name] = count
            for spec in added where configured[spec.name] == nil {
                configured[spec.name] = ConfiguredService(spec: spec, hookSources: template.hookSources)
                configOrder.append(spec.name)
            }
            let above = current > count ? ((count + 1)...current).map { ServiceInstances.name(name, $0) } : []
            for n in above { configured[n] = nil }
            configOrder.removeAll { above.contains($0) }
            var left = removed.count
            let answer = { [loop] in
                loop.whenSettled {
                    reply(
                        .success(
                            .object(["name": .string(name), "count": .init(count), "started": .init(added.map(\.name)), "stopped": .init(removed)])))
                }
            }
            for n in removed {
                loop.send(
                    .remove(
                        n,
                        waiter: loop.waiter {
                            left -= 1
                            if left == 0 { answer() }
                        }))
            }
            if !added.isEmpty { loop.send(.declare(added)) }
            loop.record(JournalNote("scaled", name: name, fields: ["count": .init(count), "was": .init(current)]))
            log("info", "'\(name)' scaled from \(current) to \(count)")
            if removed.isEmpty { answer() }
        }
    }

    /// The template a copy's spec came from, as `export` writes it: with
    /// the count it runs now; nil for a service that is no copy.
    func exportedTemplate(of spec: ServiceSpec) -> ServiceSpec? {
        guard spec.instance != nil, let name = ServiceInstances.split(spec.name)?.template, var template = templates[name]?.spec else { return nil }
        template.instances = instanceCounts[name] ?? template.instances
        return template
    }

    /// `requires` (and its conditions) with the copies of a template
    /// (`web@1`, `web@2`) named by the template (`web`) once.
    func collapsingCopies(_ spec: ServiceSpec) -> ServiceSpec {
        guard !templates.isEmpty else { return spec }
        func collapsed(_ r: String) -> String {
            ServiceInstances.split(r).map(\.template).flatMap { templates[$0] != nil ? $0 : nil } ?? r
        }
        var result = spec
        result.requires = []
        for r in spec.requires.map(collapsed) where !result.requires.contains(r) { result.requires.append(r) }
        result.requireConditions = Dictionary(spec.requireConditions.map { (collapsed($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        return result
    }
}
