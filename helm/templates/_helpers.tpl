{{/*
Naming and labels, following `helm create` conventions so the chart reads as people expect.
*/}}

{{/* Chart name, overridable. */}}
{{- define "rrproxy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix for resources: <release>-<chart>, or <release> when the release name already
contains the chart name (so `helm install rrproxy ./helm` gives resources named "rrproxy").
Truncated to 63 characters because some name fields are DNS labels (RFC 1123).
*/}}
{{- define "rrproxy.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value: name-version. */}}
{{- define "rrproxy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. Call with (dict "ctx" $ "component" "proxy"). */}}
{{- define "rrproxy.labels" -}}
helm.sh/chart: {{ include "rrproxy.chart" .ctx }}
{{ include "rrproxy.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: rrproxy
{{- end }}

{{/* Immutable selector labels (a Deployment's selector cannot change after creation). */}}
{{- define "rrproxy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rrproxy.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "rrproxy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rrproxy.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rrproxy.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "rrproxy.backendName" -}}
{{- printf "%s-backend" (include "rrproxy.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rrproxy.jaegerName" -}}
{{- printf "%s-jaeger" (include "rrproxy.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rrproxy.purgeSecretName" -}}
{{- default (printf "%s-purge-token" (include "rrproxy.fullname" .)) .Values.cache.purgeToken.existingSecret }}
{{- end }}

{{/* Namespace discovery watches, and where the Role lives. */}}
{{- define "rrproxy.discoveryNamespace" -}}
{{- default .Release.Namespace .Values.discovery.namespace }}
{{- end }}

{{- define "rrproxy.discoveryService" -}}
{{- if .Values.discovery.service }}
{{- .Values.discovery.service }}
{{- else if .Values.backends.enabled }}
{{- include "rrproxy.backendName" . }}
{{- else }}
{{- fail "discovery.service is required when backends.enabled is false and discovery.mode is not static" }}
{{- end }}
{{- end }}

{{/*
The one RBAC rule discovery needs, per mode (src/discovery lists then watches; it never gets,
creates or patches). Empty in mode static.
*/}}
{{- define "rrproxy.discoveryRule" -}}
{{- if eq .Values.discovery.mode "endpointslices" }}
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["list", "watch"]
{{- else if eq .Values.discovery.mode "endpoints" }}
- apiGroups: [""]
  resources: ["endpoints"]
  verbs: ["list", "watch"]
{{- end }}
{{- end }}

{{/* Mount path of the purge-token Secret and the file the proxy reads. */}}
{{- define "rrproxy.purgeTokenDir" -}}/var/run/secrets/rrproxy/purge-token{{- end }}

{{/* preStop action after resolving "auto" against the cluster version. */}}
{{- define "rrproxy.preStopAction" -}}
{{- $action := .Values.proxy.preStop.action }}
{{- if eq $action "auto" }}
{{- if semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version }}sleep{{ else }}exec{{ end }}
{{- else }}
{{- $action }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the kubelet's budget covers the preStop hook AND the time after
SIGTERM, so it must exceed preStop + shutdown delay + drain, plus a margin for the final flush.
Otherwise SIGKILL cuts requests still draining.
*/}}
{{- define "rrproxy.terminationGracePeriodSeconds" -}}
{{- add (int .Values.proxy.preStop.seconds) (int .Values.proxy.shutdownDelaySeconds) (int .Values.proxy.drainSeconds) (int .Values.proxy.terminationGraceMarginSeconds) }}
{{- end }}

{{/*
The proxy's config.yaml. Pass-through keys come from .Values.config; the keys the chart must
agree with (ports, discovery, shutdown timing, tracing, cache) are set from their own values.
*/}}
{{- define "rrproxy.config" -}}
{{- $cfg := deepCopy (default dict .Values.config) }}
{{- $_ := set $cfg "listen" (dict "host" .Values.proxy.listenHost "port" (int .Values.proxy.port)) }}
{{- $_ = set $cfg "admin" (dict "host" .Values.proxy.listenHost "port" (int .Values.proxy.adminPort)) }}
{{- $timeouts := default dict $cfg.timeouts }}
{{- $_ = set $timeouts "drain" (printf "%ds" (int .Values.proxy.drainSeconds)) }}
{{- $_ = set $timeouts "shutdownDelay" (printf "%ds" (int .Values.proxy.shutdownDelaySeconds)) }}
{{- $_ = set $cfg "timeouts" $timeouts }}
{{- $discovery := dict "mode" .Values.discovery.mode }}
{{- if eq .Values.discovery.mode "static" }}
{{- $_ = set $cfg "backends" .Values.discovery.staticBackends }}
{{- else }}
{{- $_ = set $discovery "namespace" (include "rrproxy.discoveryNamespace" .) }}
{{- $_ = set $discovery "service" (include "rrproxy.discoveryService" .) }}
{{- $_ = set $discovery "portName" .Values.discovery.portName }}
{{- $_ = set $discovery "addressFamily" .Values.discovery.addressFamily }}
{{- end }}
{{- $_ = set $cfg "discovery" $discovery }}
{{- $cache := default dict $cfg.cache }}
{{- $_ = set $cache "enabled" .Values.cache.enabled }}
{{- $_ = set $cache "maxBytes" .Values.cache.maxBytes }}
{{- $_ = set $cache "maxObjectBytes" .Values.cache.maxObjectBytes }}
{{- if .Values.cache.purgeToken.setConfigKey }}
{{- $_ = set $cache "purgeTokenFile" (printf "%s/token" (include "rrproxy.purgeTokenDir" .)) }}
{{- end }}
{{- $_ = set $cfg "cache" $cache }}
{{- $tracing := dict "serviceName" .Values.tracing.serviceName "sampleRatio" .Values.tracing.sampleRatio }}
{{- if .Values.tracing.endpoint }}
{{- $_ = set $tracing "endpoint" .Values.tracing.endpoint }}
{{- end }}
{{- $_ = set $cfg "tracing" $tracing }}
{{- toYaml $cfg }}
{{- end }}
