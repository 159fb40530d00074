/**
 * Structural schemas of the kinds the sandbox serves. Only the fields kube-lego and kubectl touch are
 * spelled out; open objects keep the rest. Merge keys follow the upstream Go struct tags.
 */
import {
  anyValue,
  bool,
  bytes,
  int,
  intOrString,
  keyedList,
  list,
  mapOf,
  obj,
  oneOf,
  open,
  str,
  time,
  topLevel,
  type Schema,
} from './schema.js';

const objectReference = open({
  apiVersion: str,
  kind: str,
  name: str,
  namespace: str,
  uid: str,
  fieldPath: str,
});

export const namespaceSchema: Schema = topLevel({
  spec: obj({ finalizers: list(str) }),
  status: open({ phase: str }),
});

export const secretSchema: Schema = topLevel({
  type: str,
  immutable: bool,
  data: mapOf(bytes),
  stringData: mapOf(str),
});

export const configMapSchema: Schema = topLevel({
  immutable: bool,
  data: mapOf(str),
  binaryData: mapOf(bytes),
});

const servicePort = obj({
  name: str,
  protocol: str,
  appProtocol: str,
  port: int,
  targetPort: intOrString,
  nodePort: int,
});

export const serviceSchema: Schema = topLevel({
  spec: open({
    type: str,
    selector: mapOf(str),
    ports: keyedList(servicePort, ['port', 'protocol']),
    clusterIP: str,
    clusterIPs: list(str),
    externalName: str,
  }),
  status: open(),
});

const endpointPort = obj({ name: str, port: int, protocol: str, appProtocol: str });

export const endpointsSchema: Schema = topLevel({
  subsets: list(
    obj({
      addresses: list(open({ ip: str, hostname: str })),
      notReadyAddresses: list(open({ ip: str, hostname: str })),
      ports: list(endpointPort),
    }),
  ),
});

export const coreEventSchema: Schema = topLevel({
  involvedObject: objectReference,
  reason: str,
  message: str,
  source: open({ component: str, host: str }),
  firstTimestamp: time,
  lastTimestamp: time,
  eventTime: anyValue,
  count: int,
  type: str,
  action: str,
  reportingComponent: str,
  reportingInstance: str,
  related: objectReference,
  series: open(),
});

export const eventsV1EventSchema: Schema = topLevel({
  eventTime: anyValue,
  series: open(),
  reportingController: str,
  reportingInstance: str,
  action: str,
  reason: str,
  regarding: objectReference,
  related: objectReference,
  note: str,
  type: str,
  deprecatedSource: open(),
  deprecatedFirstTimestamp: time,
  deprecatedLastTimestamp: time,
  deprecatedCount: int,
});

const envVar = open({ name: str, value: str, valueFrom: open() });
const containerPort = obj({ name: str, containerPort: int, protocol: str, hostPort: int, hostIP: str });
const volumeMount = open({ name: str, mountPath: str, readOnly: bool, subPath: str });
const container = open({
  name: str,
  image: str,
  command: list(str),
  args: list(str),
  ports: keyedList(containerPort, ['containerPort', 'protocol']),
  env: keyedList(envVar, ['name']),
  volumeMounts: keyedList(volumeMount, ['mountPath']),
  resources: open(),
});

export const podSchema: Schema = topLevel({
  spec: open({
    containers: keyedList(container, ['name']),
    initContainers: keyedList(container, ['name']),
    volumes: keyedList(open({ name: str }), ['name']),
    nodeName: str,
    serviceAccountName: str,
    restartPolicy: str,
  }),
  status: open({ phase: str, podIP: str, hostIP: str }),
});

const serviceBackend = obj({
  service: obj({ name: str, port: obj({ name: str, number: int }) }),
  resource: open({ apiGroup: str, kind: str, name: str }),
});

export const ingressSchema: Schema = topLevel({
  spec: obj({
    ingressClassName: str,
    defaultBackend: serviceBackend,
    tls: list(obj({ hosts: list(str), secretName: str })),
    rules: list(
      obj({
        host: str,
        http: obj({
          paths: list(
            obj({
              path: str,
              pathType: oneOf('Exact', 'ImplementationSpecific', 'Prefix'),
              backend: serviceBackend,
            }),
          ),
        }),
      }),
    ),
  }),
  status: open({ loadBalancer: open({ ingress: list(open({ ip: str, hostname: str })) }) }),
});

export const ingressClassSchema: Schema = topLevel({
  spec: obj({ controller: str, parameters: open() }),
});

export const endpointSliceSchema: Schema = topLevel({
  addressType: str,
  endpoints: list(open({ addresses: list(str), conditions: open(), hostname: str, nodeName: str })),
  ports: list(endpointPort),
});

export const leaseSchema: Schema = topLevel({
  spec: obj({
    holderIdentity: str,
    leaseDurationSeconds: int,
    acquireTime: anyValue,
    renewTime: anyValue,
    leaseTransitions: int,
    strategy: str,
    preferredHolder: str,
  }),
});

export const selfSubjectAccessReviewSchema: Schema = topLevel({
  spec: obj({
    resourceAttributes: open({
      namespace: str,
      verb: str,
      group: str,
      version: str,
      resource: str,
      subresource: str,
      name: str,
    }),
    nonResourceAttributes: open({ path: str, verb: str }),
  }),
  status: open({ allowed: bool, denied: bool, reason: str, evaluationError: str }),
});

export const selfSubjectReviewSchema: Schema = topLevel({
  status: open({ userInfo: open({ username: str, uid: str, groups: list(str) }) }),
});

export const serviceAccountSchema: Schema = topLevel({
  secrets: list(objectReference),
  imagePullSecrets: list(obj({ name: str })),
  automountServiceAccountToken: bool,
});

const probe = obj({
  httpGet: obj({ path: str, port: intOrString, host: str, scheme: str, httpHeaders: list(open()) }),
  tcpSocket: obj({ port: intOrString, host: str }),
  exec: obj({ command: list(str) }),
  initialDelaySeconds: int,
  timeoutSeconds: int,
  periodSeconds: int,
  successThreshold: int,
  failureThreshold: int,
  terminationGracePeriodSeconds: int,
});

const containerSecurityContext = obj({
  allowPrivilegeEscalation: bool,
  readOnlyRootFilesystem: bool,
  privileged: bool,
  runAsNonRoot: bool,
  runAsUser: int,
  runAsGroup: int,
  capabilities: obj({ add: list(str), drop: list(str) }),
  seccompProfile: obj({ type: str, localhostProfile: str }),
});

/** Containers of workload templates, spelled out so strict validation catches misspelt fields. */
const workloadContainer = obj({
  name: str,
  image: str,
  imagePullPolicy: oneOf('Always', 'IfNotPresent', 'Never'),
  command: list(str),
  args: list(str),
  workingDir: str,
  ports: keyedList(containerPort, ['containerPort', 'protocol']),
  env: keyedList(
    obj({
      name: str,
      value: str,
      valueFrom: obj({
        configMapKeyRef: obj({ name: str, key: str, optional: bool }),
        secretKeyRef: obj({ name: str, key: str, optional: bool }),
        fieldRef: obj({ apiVersion: str, fieldPath: str }),
        resourceFieldRef: obj({ containerName: str, resource: str, divisor: intOrString }),
      }),
    }),
    ['name'],
  ),
  envFrom: list(open()),
  volumeMounts: keyedList(volumeMount, ['mountPath']),
  resources: obj({ requests: mapOf(intOrString), limits: mapOf(intOrString) }),
  readinessProbe: probe,
  livenessProbe: probe,
  startupProbe: probe,
  securityContext: containerSecurityContext,
  terminationMessagePath: str,
  terminationMessagePolicy: str,
});

export const deploymentSchema: Schema = topLevel({
  spec: obj({
    replicas: int,
    selector: obj({ matchLabels: mapOf(str), matchExpressions: list(open()) }),
    strategy: obj({ type: oneOf('Recreate', 'RollingUpdate'), rollingUpdate: open() }),
    minReadySeconds: int,
    revisionHistoryLimit: int,
    progressDeadlineSeconds: int,
    paused: bool,
    template: obj({
      metadata: open({ labels: mapOf(str), annotations: mapOf(str) }),
      spec: obj({
        containers: keyedList(workloadContainer, ['name']),
        initContainers: keyedList(workloadContainer, ['name']),
        volumes: keyedList(open({ name: str }), ['name']),
        serviceAccountName: str,
        automountServiceAccountToken: bool,
        securityContext: obj({
          runAsNonRoot: bool,
          runAsUser: int,
          runAsGroup: int,
          fsGroup: int,
          seccompProfile: obj({ type: str, localhostProfile: str }),
        }),
        nodeSelector: mapOf(str),
        tolerations: list(open()),
        affinity: open(),
        priorityClassName: str,
        restartPolicy: str,
        terminationGracePeriodSeconds: int,
        dnsPolicy: str,
        schedulerName: str,
      }),
    }),
  }),
  status: open(),
});

export const podDisruptionBudgetSchema: Schema = topLevel({
  spec: obj({
    minAvailable: intOrString,
    maxUnavailable: intOrString,
    selector: obj({ matchLabels: mapOf(str), matchExpressions: list(open()) }),
    unhealthyPodEvictionPolicy: oneOf('IfHealthyBudget', 'AlwaysAllow'),
  }),
  status: open(),
});

const policyRule = obj({
  apiGroups: list(str),
  resources: list(str),
  verbs: list(str),
  resourceNames: list(str),
  nonResourceURLs: list(str),
});

export const clusterRoleSchema: Schema = topLevel({
  rules: list(policyRule),
  aggregationRule: open(),
});

export const roleSchema: Schema = topLevel({ rules: list(policyRule) });

export const roleBindingSchema: Schema = topLevel({
  roleRef: obj({ apiGroup: str, kind: str, name: str }),
  subjects: list(obj({ kind: str, apiGroup: str, name: str, namespace: str })),
});
