# tfnids container: the CLI and libtensorflow 2.18 (CPU) on Debian slim.
# Build:  docker build -t tfnids .
# Run:    docker run --rm -v "$PWD/data:/data" tfnids train --data /data --profile auto
# For a GPU image, build on a CUDA base and pass
#   --build-arg TF_VARIANT=gpu
# (the libtensorflow GPU tarball needs the matching CUDA/cuDNN runtime).

FROM golang:1.26-bookworm AS build
ARG TF_VERSION=2.18.0
ARG TF_VARIANT=cpu
RUN curl -fsSL "https://storage.googleapis.com/tensorflow/versions/${TF_VERSION}/libtensorflow-${TF_VARIANT}-linux-x86_64.tar.gz" \
      | tar -C /usr/local -xz \
 && ldconfig
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/tfnids ./cmd/tfnids

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libstdc++6 libgomp1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/lib/libtensorflow.so.2* /usr/local/lib/libtensorflow_framework.so.2* /usr/local/lib/
RUN ldconfig
COPY --from=build /out/tfnids /usr/local/bin/tfnids
COPY testdata /opt/tfnids/testdata
# TF Serving's REST port, for `tfnids serve --host 0.0.0.0`.
EXPOSE 8501
ENTRYPOINT ["tfnids"]
CMD ["--help"]
