#!/usr/bin/env bash
# The seed's workshop commands (sections 1-4 and the describe commands of section 6), verbatim except that every
# `aws` call gets --endpoint-url (through the function below). Run by aws-cli.test.ts against `vpc-cni sim
# --scenario eksworkshop`; prints "== name" markers before each section's output so the test can check it.
set -euo pipefail
: "${EC2_ENDPOINT:?}"
AWS_BIN=${AWS_BIN:-aws}
aws() { "$AWS_BIN" --endpoint-url "$EC2_ENDPOINT" "$@"; }

# 1. VPC ID
export VPC_ID=$(aws ec2 describe-vpcs --filters Name=tag:Name,Values=eksworkshop | jq -r '.Vpcs[].VpcId')
echo "== vpc-id"; echo "$VPC_ID"

# 2. CIDR block
echo "== associate"
aws ec2 associate-vpc-cidr-block --vpc-id $VPC_ID --cidr-block 100.64.0.0/16

# 3. Subnets
echo "== azs"
aws ec2 describe-availability-zones --region ap-northeast-2 --query 'AvailabilityZones[*].ZoneName'
export AZ1=ap-northeast-2a AZ2=ap-northeast-2b AZ3=ap-northeast-2c
# As the EKS tutorial does, wait for the new block to be associated before creating subnets in it.
for _ in $(seq 1 50); do
  state=$(aws ec2 describe-vpcs --vpc-ids $VPC_ID --query 'Vpcs[].CidrBlockAssociationSet[?CidrBlock==`100.64.0.0/16`].CidrBlockState.State' --output text)
  [ "$state" = associated ] && break
  sleep 0.2
done
echo "== cidr-state"; echo "$state"
CUST_SNET1=$(aws ec2 create-subnet --cidr-block 100.64.0.0/19 --vpc-id $VPC_ID --availability-zone $AZ1 | jq -r .Subnet.SubnetId)
CUST_SNET2=$(aws ec2 create-subnet --cidr-block 100.64.32.0/19 --vpc-id $VPC_ID --availability-zone $AZ2 | jq -r .Subnet.SubnetId)
CUST_SNET3=$(aws ec2 create-subnet --cidr-block 100.64.64.0/19 --vpc-id $VPC_ID --availability-zone $AZ3 | jq -r .Subnet.SubnetId)
echo "== custom-subnets"; echo "$CUST_SNET1 $CUST_SNET2 $CUST_SNET3"
echo "== describe-subnets-text"
aws ec2 describe-subnets --filters Name=cidr-block,Values=10.11.0.0/19 --output text
aws ec2 create-tags --resources $CUST_SNET1 --tags Key=Name,Value=eksworkshop-Secondary-PublicSubnet01
aws ec2 create-tags --resources $CUST_SNET1 --tags Key=kubernetes.io/cluster/eksworkshop,Value=shared
aws ec2 create-tags --resources $CUST_SNET1 --tags Key=kubernetes.io/role/elb,Value=1
aws ec2 create-tags --resources $CUST_SNET2 --tags Key=Name,Value=eksworkshop-Secondary-PublicSubnet02
aws ec2 create-tags --resources $CUST_SNET2 --tags Key=kubernetes.io/cluster/eksworkshop,Value=shared
aws ec2 create-tags --resources $CUST_SNET2 --tags Key=kubernetes.io/role/elb,Value=1
aws ec2 create-tags --resources $CUST_SNET3 --tags Key=Name,Value=eksworkshop-Secondary-PublicSubnet03
aws ec2 create-tags --resources $CUST_SNET3 --tags Key=kubernetes.io/cluster/eksworkshop,Value=shared
aws ec2 create-tags --resources $CUST_SNET3 --tags Key=kubernetes.io/role/elb,Value=1

# 4. Route table
SNET1=$(aws ec2 describe-subnets --filters Name=cidr-block,Values=10.11.0.0/19 | jq -r '.Subnets[].SubnetId')
RTASSOC_ID=$(aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=$SNET1 | jq -r '.RouteTables[].RouteTableId')
echo "== route-table"; echo "$RTASSOC_ID"
aws ec2 associate-route-table --route-table-id $RTASSOC_ID --subnet-id $CUST_SNET1
aws ec2 associate-route-table --route-table-id $RTASSOC_ID --subnet-id $CUST_SNET2
aws ec2 associate-route-table --route-table-id $RTASSOC_ID --subnet-id $CUST_SNET3
echo "== route-table-subnets"
aws ec2 describe-route-tables --route-table-ids $RTASSOC_ID --query 'RouteTables[].Associations[].SubnetId' --output text

# 6. The describe commands
echo "== subnets-table"
aws ec2 describe-subnets  --filters "Name=cidr-block,Values=100.64.*" --query 'Subnets[*].[CidrBlock,SubnetId,AvailabilityZone]' --output table
echo "== instance-sgs"
INSTANCE_IDS=(`aws ec2 describe-instances --query 'Reservations[*].Instances[*].InstanceId' --filters "Name=tag-key,Values=alpha.eksctl.io/nodegroup-name" "Name=tag-value,Values=ng1-public" --output text`)
for i in "${INSTANCE_IDS[@]}"
do
  echo "SecurityGroup for EC2 instance $i ..."
  aws ec2 describe-instances --instance-ids $i | jq -r '.Reservations[].Instances[].SecurityGroups[].GroupId'
done
echo "== error"
aws ec2 describe-subnets --subnet-ids subnet-00000000000000000 2>&1 || echo "exit=$?"
echo "== end"
